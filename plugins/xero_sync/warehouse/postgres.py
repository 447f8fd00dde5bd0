"""PostgreSQL: COPY into a temporary stage, then one ``INSERT … ON CONFLICT … DO UPDATE``.

The upsert's ``WHERE`` holds both rules: the staged row is not older than the stored one, and
it differs from it (``IS DISTINCT FROM`` on every column but the key), so an identical reload
writes nothing. ``RETURNING`` reports the rows written; ``xmax = 0`` marks the inserted ones (a
fresh tuple has no deleting transaction), and the outer query, which PostgreSQL runs on the
snapshot taken before the upsert, supplies each row's previous ``is_deleted``. Child rows go
straight into their tables with COPY, after the updated parents' old children are deleted.

A batch none of whose keys is stored yet (every page of a first load) skips the stage and
the upsert: its rows are COPYed straight into the table. COPY text is formatted here, column
by column, in slices that the server inserts while the next is formatted. Key lists travel
as one array parameter. After large loads the tables are ANALYZEd (``_after_commit``).

The run lock (``SqlWarehouse.run_lock``) is a session advisory lock on the warehouse's own
connection, keyed by a 64-bit hash of the object, organisation and schema: it outlives the
run's commits and rollbacks, and the server releases it when the session ends, so a run whose
process dies (SIGKILL included) cannot leave it held.
"""

from __future__ import annotations

import logging
from typing import Any

from xero_sync.warehouse.base import RunContext, SyncState
from xero_sync.warehouse.dialect import POSTGRES
from xero_sync.warehouse.sqlbase import ParentResult, SqlWarehouse
from xero_sync.warehouse.staging import Frame, StagedBatch
from xero_sync.warehouse.tables import (
    QUARANTINE,
    RUN_ID,
    SYNC_SEEN,
    SYNC_STATE,
    TableSpec,
    compared_columns,
)
from xero_sync.warehouse.upsert import not_older, on_conflict, state_upsert
from xero_sync.warehouse.values import (
    COPY_NULL,
    Converter,
    canonical,
    copy_converter,
    timestamp_text,
)

log = logging.getLogger(__name__)

STAGE = "_xero_sync_stage"
# A table this connection has written this many rows to since its last ANALYZE (and at
# least as many as before it) is analyzed again: see PostgresWarehouse._after_commit.
ANALYZE_AFTER_ROWS = 5_000
COPY_SLICE = 200  # rows formatted per write


class PostgresWarehouse(SqlWarehouse):
    """PostgreSQL through psycopg 3."""

    sql = POSTGRES

    def __init__(self, connection: Any, schema: str = "xero", *, description: str = "") -> None:
        super().__init__(connection, schema, description=description)
        self._session_ready = False
        self._written: dict[str, int] = {}  # rows written since the table's last ANALYZE
        self._analyzed: dict[str, int] = {}  # rows written before it

    def _begin(self, cursor: Any) -> None:
        """Once per connection: compress ``_raw_json`` with lz4 where the server has it
        (PostgreSQL 14+), several times faster than the default pglz; a server without it
        keeps pglz. Nothing else changes."""
        if self._session_ready:
            return
        self._session_ready = True
        try:
            cursor.execute("SET default_toast_compression = 'lz4'")
            self.connection.commit()
        except self.driver_errors():
            self.connection.rollback()

    def driver_errors(self) -> tuple[type[BaseException], ...]:
        """psycopg's base error."""
        import psycopg

        return (psycopg.Error,)

    def _acquire_run_lock(self, resource: str, wait_seconds: float) -> bool:
        with self._transaction("take the run lock", resource) as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", (resource,))
            row = cursor.fetchone()
        return bool(row and row[0])

    def _release_run_lock(self, resource: str) -> None:
        with self._transaction("release the run lock", resource) as cursor:
            cursor.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (resource,))

    def _lock_ddl(self, cursor: Any) -> None:
        """Concurrent CREATE TABLE of the same name collide in the catalog: serialise."""
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))",
                       (f"xero_sync:ddl:{self.schema}",))

    def _create_schema(self, cursor: Any) -> None:
        cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {self.sql.quote(self.schema)}")

    def _existing_columns(self, cursor: Any, table: str) -> dict[str, str]:
        """``format_type`` spells types with their modifiers ('numeric(19,4)')."""
        cursor.execute("SELECT a.attname, format_type(a.atttypid, a.atttypmod) "
                       "FROM pg_attribute AS a WHERE a.attrelid = to_regclass(%s) "
                       "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                       (self.table(table),))
        return {row[0]: row[1] for row in cursor.fetchall()}

    def _existing_key(self, cursor: Any, table: str) -> list[str]:
        cursor.execute("SELECT a.attname FROM pg_index AS i JOIN pg_attribute AS a "
                       "ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
                       "WHERE i.indrelid = to_regclass(%s) AND i.indisprimary "
                       "ORDER BY array_position(i.indkey::int2[], a.attnum)",
                       (self.table(table),))
        return [row[0] for row in cursor.fetchall()]

    # -- parents ----------------------------------------------------------------------------

    def _merge_parents(self, cursor: Any, staged: StagedBatch, run: RunContext) -> ParentResult:
        if not self._any_stored(cursor, staged):
            return self._insert_parents(cursor, staged, run)
        cursor.execute(self.stage_sql(staged.parent.spec))
        self._copy(cursor, self.sql.quote(STAGE), staged.parent)
        cursor.execute(self.upsert_sql(staged), (run.loaded_at, run.run_id))
        returned = cursor.fetchall()
        inserted = sum(1 for row in returned if row[1])
        deleted = sum(1 for row in returned if row[2] and row[3] is not True)
        applied = {canonical(row[0]) for row in returned}
        replaced = {canonical(row[0]) for row in returned if not row[1]}
        return ParentResult(inserted, len(returned) - inserted, deleted, applied, replaced)

    def _any_stored(self, cursor: Any, staged: StagedBatch) -> bool:
        """Whether any of the batch's keys has a row (first loads have none)."""
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {self.table(staged.mapping.table)} "  # noqa: S608 - identifiers only
            f"WHERE {self.sql.quote('tenant_id')} = %s AND {self._key_in(staged)})",
            (staged.tenant_id, array_literal(staged.keys)))
        row = cursor.fetchone()
        return bool(row and row[0])

    def _insert_parents(self, cursor: Any, staged: StagedBatch, run: RunContext) -> ParentResult:
        """None of the keys is stored: COPY straight into the table, no stage, no upsert. A
        concurrent load inserting the same keys makes the COPY fail on the primary key (the
        batch rolls back and the retry takes the upsert path): never a silent overwrite."""
        self._copy(cursor, self.table(staged.mapping.table), staged.parent,
                   (run.loaded_at, run.run_id))
        deleted = sum(1 for flag in staged.parent.columns["is_deleted"] if flag)
        return ParentResult(staged.parent.size, 0, deleted, set(staged.keys), set())

    def stage_sql(self, spec: TableSpec) -> str:
        """A temporary table with the parent's data columns, dropped at commit."""
        columns = ", ".join(self.sql.column_definition(spec.column(name))
                            for name in spec.data_columns)
        return f"CREATE TEMPORARY TABLE {self.sql.quote(STAGE)} ({columns}) ON COMMIT DROP"

    def upsert_sql(self, staged: StagedBatch) -> str:
        """Stage → table, newer and different rows only; returns what it wrote."""
        spec, mapping, q = staged.parent.spec, staged.mapping, self.sql.quote
        data, compared, key = spec.data_columns, compared_columns(mapping), spec.key
        assignments = [f"{q(name)} = excluded.{q(name)}"
                       for name in [*compared, "_loaded_at", "_run_id"]]
        guards = [f"({self.sql.columns(compared, 't')}) IS DISTINCT FROM "
                  f"({self.sql.columns(compared, 'excluded')})"]
        newer = not_older(self.sql, mapping.updated_column, "excluded", "t")
        if newer:
            guards.insert(0, newer)
        joined = " AND ".join(f"o.{q(name)} = a.{q(name)}" for name in key)
        return (
            f"WITH a AS (INSERT INTO {self.table(spec.name)} AS t ({self.sql.columns(spec.names)}) "  # noqa: S608 - identifiers only
            f"SELECT {self.sql.columns(data, 's')}, CAST(%s AS timestamp(3)), "
            f"CAST(%s AS {self.sql.sql_type(RUN_ID)}) FROM {q(STAGE)} AS s "
            + on_conflict(self.sql, key, assignments, guards)
            + f" RETURNING {self.sql.columns(list(key), 't')}, t.xmax = 0 AS inserted, "  # noqa: S608 - identifiers only
            f"t.{q('is_deleted')}) "
            f"SELECT a.{q(mapping.key_column)}, a.inserted, a.{q('is_deleted')}, "
            f"o.{q('is_deleted')} FROM a LEFT JOIN {self.table(spec.name)} AS o ON {joined}"
        )

    def _discard_stage(self, cursor: Any) -> None:
        """The stage is dropped at commit; a refill merges many batches in one transaction."""
        cursor.execute(f"DROP TABLE IF EXISTS {self.sql.quote(STAGE)}")

    def _touch(self, cursor: Any, staged: StagedBatch, keys: list[Any], run: RunContext) -> None:
        q = self.sql.quote
        cursor.execute(
            f"UPDATE {self.table(staged.mapping.table)} SET {q('_run_id')} = %s "  # noqa: S608 - identifiers only
            f"WHERE {q('tenant_id')} = %s AND {self._key_in(staged)} AND {q('_run_id')} <> %s",
            (run.run_id, staged.tenant_id, array_literal(keys), run.run_id))

    def _key_in(self, staged: StagedBatch) -> str:
        """``key = ANY(CAST(%s AS type[]))``: the whole key list is one parameter."""
        key = staged.parent.spec.column(staged.key_column)
        return f"{self.sql.quote(key.name)} = ANY(CAST(%s AS {self.sql.sql_type(key)}[]))"

    # -- children ---------------------------------------------------------------------------

    def _replace_children(self, cursor: Any, staged: StagedBatch, result: ParentResult,
                          run: RunContext) -> int:
        keys = array_literal(sorted(result.replaced))
        inserted = 0
        for frame in staged.children:
            if result.replaced:
                cursor.execute(
                    f"DELETE FROM {self.table(frame.spec.name)} "  # noqa: S608 - identifiers only
                    f"WHERE {self.sql.quote('tenant_id')} = %s AND {self._key_in(staged)}",
                    (staged.tenant_id, keys))
            rows = frame.where_in(staged.key_column, result.applied)
            if rows.size:
                inserted += self._copy(cursor, self.table(frame.spec.name), rows,
                                       (run.loaded_at, run.run_id))
        return inserted

    def _copy(self, cursor: Any, table: str, frame: Frame, extra: tuple[Any, ...] = ()) -> int:
        """COPY a frame's rows (plus the ``extra`` load columns on each) into a table."""
        names = frame.spec.data_columns + (["_loaded_at", "_run_id"] if extra else [])
        with cursor.copy(f"COPY {table} ({self.sql.columns(names)}) FROM STDIN") as copy:
            # In slices, so the server inserts one slice while the next is formatted.
            for start in range(0, frame.size, COPY_SLICE):
                copy.write(copy_text(frame.rows_between(start, start + COPY_SLICE), extra))
        return frame.size

    def _after_commit(self, staged: StagedBatch) -> None:
        """Keep the planner's statistics up with a bulk load.

        Autovacuum analyzes a table a minute or more after it has grown; until then the
        planner believes a tenant has a handful of rows and scans all of them for every
        batch, so a first load of a large organisation slows down as it goes. Analyzing a
        table each time this connection has doubled what it wrote keeps it linear, at a
        few ANALYZEs per table even for millions of rows. It runs after the commit: a
        failure here never touches the load, it is only logged.
        """
        for frame in [staged.parent, *staged.children]:
            name = frame.spec.name
            self._written[name] = self._written.get(name, 0) + frame.size
            if self._written[name] >= max(ANALYZE_AFTER_ROWS, self._analyzed.get(name, 0)):
                self._analyze(name)

    def _analyze(self, name: str) -> None:
        try:
            cursor = self.connection.cursor()
            cursor.execute(f"ANALYZE {self.table(name)}")
            self.connection.commit()
        except Exception as error:  # statistics are an optimisation: never fail a load
            self._rollback()
            log.warning("warehouse %s: ANALYZE %s failed: %s", self.description, name, error)
        self._analyzed[name] = self._analyzed.get(name, 0) + self._written.pop(name)

    def _forget_quarantined(self, cursor: Any, object_name: str, tenant_id: str,
                            keys: list[str]) -> None:
        q = self.sql.quote
        cursor.execute(
            f"DELETE FROM {self.table(QUARANTINE.name)} WHERE {q('tenant_id')} = %s "  # noqa: S608 - identifiers only
            f"AND {q('object')} = %s AND {q('record_key')} = ANY(CAST(%s AS text[]))",
            (tenant_id, object_name, array_literal(keys)))

    def _record_seen(self, cursor: Any, staged: StagedBatch, keys: list[str],
                     run: RunContext) -> None:
        """The keys go in as text (a cast to the column's varchar(n) would cut a longer one
        silently; the insert refuses it instead)."""
        cursor.execute(
            f"INSERT INTO {self.table(SYNC_SEEN.name)} ({self.sql.columns(SYNC_SEEN.names)}) "  # noqa: S608 - identifiers only
            "SELECT %s, %s, k, %s FROM unnest(CAST(%s AS text[])) AS k "
            "ON CONFLICT DO NOTHING",
            (staged.mapping.name, staged.tenant_id, run.run_id, array_literal(keys)))

    def _save_state(self, cursor: Any, state: SyncState, run: RunContext) -> None:
        cursor.execute(state_upsert(self.sql, self.table(SYNC_STATE.name), "t"),
                       self.state_values(state, run))


def copy_text(frame: Frame, extra: tuple[Any, ...] = ()) -> str:
    """The rows in COPY's text format, built column by column (the driver's per-row
    ``write_row`` costs more than the rest of a load)."""
    columns = [copy_column(values, copy_converter(frame.spec.column(name).type))
               for name, values in frame.columns.items()]
    if extra:
        loaded_at, run_id = extra
        columns.append([timestamp_text(loaded_at)] * frame.size)
        columns.append([copy_converter("string")(run_id)] * frame.size)
    if not frame.size:
        return ""
    return "\n".join(map("\t".join, zip(*columns, strict=True))) + "\n"


def array_literal(values: list[Any]) -> str:
    """A key list as one array literal ('{"a","b"}'), cast to the key's type in the SQL: one
    parameter, parsed by the server, instead of the driver adapting a thousand values."""
    quoted = (str(v).replace("\\", "\\\\").replace('"', '\\"') for v in values)
    return "{" + ",".join(f'"{v}"' for v in quoted) + "}"


def copy_column(values: list[Any], converter: Converter) -> list[str]:
    """One column's values as COPY text; None becomes \\N."""
    return [COPY_NULL if value is None else converter(value) for value in values]
