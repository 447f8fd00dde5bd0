"""SQL Server: the production warehouse, through pymssql (the MSSQL provider's driver).

The statements are generated in ``tsql.py`` (and kept as golden files); this module runs them
in one transaction per load. In Airflow the connection comes from ``MsSqlHook.get_conn()``
(``factory.py``); tests and the command line open one from a ``WarehouseTarget``. The
provider's ``insert_rows(replace=True)`` is not used: it sends one MERGE per row and commits
every 1,000 rows, so a crash would leave half a batch (see airflow-3.md, section 4); the load
is the upsert of separate statements in ``tsql.py``, which says why it is not a MERGE.

Every transaction of a load takes an application lock on the table and organisation right
after it begins (``_lock_load``): it serialises writers on SQL Server and on Babelfish alike.

The run lock (``SqlWarehouse.run_lock``) is ``sp_getapplock`` owned by the session of the
warehouse's connection: it outlives the run's transactions, and the server releases it when
the session ends, so a run whose process dies (SIGKILL included) cannot leave it held.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from xero_sync.transform import Quarantined
from xero_sync.warehouse.base import RunContext, SyncState, WarehouseError
from xero_sync.warehouse.dialect import MSSQL
from xero_sync.warehouse.sqlbase import ParentResult, SqlWarehouse
from xero_sync.warehouse.staging import Frame, StagedBatch
from xero_sync.warehouse.tables import QUARANTINE, TableSpec
from xero_sync.warehouse.tsql import (
    applied_sql,
    create_schema_sql,
    ddl_lock_sql,
    existing_columns_sql,
    forget_quarantined_sql,
    has_control_escapes,
    load_lock_sql,
    primary_key_sql,
    quarantine_sql,
    reapply_sql,
    record_seen_sql,
    replace_children_sql,
    run_lock_sql,
    run_unlock_sql,
    save_state_sql,
    schema_id_sql,
    session_sql,
    stage_sql,
    touch_sql,
    upsert_sql,
)
from xero_sync.warehouse.values import canonical, convert_column, json_converter

log = logging.getLogger(__name__)
ROLLBACK = "IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION; BEGIN TRANSACTION"


class MssqlWarehouse(SqlWarehouse):
    """SQL Server through a pymssql connection (autocommit off)."""

    sql = MSSQL
    # Set by ``factory.warehouse_for``: where ``close()`` gives a clean connection back
    # (``pool.IDLE``), instead of closing it.
    give_back: Callable[[Any], None] | None = None

    def close(self) -> None:
        """Give the connection back for the next warehouse of this process if it came from
        the pool and the warehouse ended cleanly (``pool.py`` says why); else close it."""
        give_back, self.give_back = self.give_back, None
        if give_back is not None and self.clean:
            connection, self.connection = self.connection, _Returned(self.description)
            give_back(connection)
        else:
            super().close()

    def driver_errors(self) -> tuple[type[BaseException], ...]:
        """pymssql's base error."""
        import pymssql

        return (pymssql.Error,)

    def read_timestamp(self, value: Any) -> datetime | None:
        """DATETIME2 arrives as a datetime, or as text over TDS older than 7.3."""
        if isinstance(value, str):
            return datetime.fromisoformat(value)
        return value

    def _begin(self, cursor: Any) -> None:
        cursor.execute(session_sql())

    def _rollback(self) -> None:
        """What pymssql's ``rollback()`` does (ROLLBACK, then BEGIN TRAN: a pymssql connection
        always has a transaction open), but only rolling back a transaction that is open.
        After an error ``SET XACT_ABORT ON`` has rolled it back already; a ROLLBACK then fails
        with 3903, which pymssql ignores only in SQL Server's wording. Babelfish words it as
        PostgreSQL does, so ``rollback()`` raised and skipped its BEGIN TRAN, and the next
        statements ran outside any transaction. ``IF @@TRANCOUNT > 0`` is the same on both."""
        try:
            cursor = self.connection.cursor()
            try:
                cursor.execute(ROLLBACK)
            finally:
                cursor.close()
        except Exception as error:  # the connection may be gone: the server rolls back then
            log.warning("warehouse %s: rollback failed: %s", self.description, error)

    def _lock_ddl(self, cursor: Any) -> None:
        self._transaction_lock(cursor, ddl_lock_sql(), f"xero_sync:ddl:{self.schema}",
                               "the table-creation lock")

    def _lock_load(self, cursor: Any, table: str, tenant_id: str) -> None:
        """Serialise the writers of one table and organisation for the transaction
        (``tsql.load_lock_sql``: Babelfish takes no lock for the upsert's table hints)."""
        self._transaction_lock(cursor, load_lock_sql(),
                               f"xero_sync:load:{self.schema}:{table}:{tenant_id}",
                               f"the load lock of {self.table(table)}")

    def _transaction_lock(self, cursor: Any, sql: str, resource: str, what: str) -> None:
        cursor.execute(sql, (resource,))
        row = cursor.fetchone()
        code = None if row is None else int(row[0])
        if code is None or code < 0:
            raise WarehouseError(
                f"warehouse {self.description}: sp_getapplock on {resource!r} returned {code} "
                f"(-1 timeout, -2 cancelled, -3 deadlock): another task held {what} too "
                "long; retry the task"
            )

    def _acquire_run_lock(self, resource: str, wait_seconds: float) -> bool:
        """One try without waiting, then (while the run waits) one try that waits inside
        ``sp_getapplock`` for the rest of the run's wait, instead of polling: Babelfish 4.4
        aborts the whole server (PANIC: ERRORDATA_STACK_SIZE exceeded) after about five
        refused ``sp_getapplock`` calls in one session, so a session is refused at most twice.
        On SQL Server a server-side wait is also the better form: the lock is granted the
        moment the other run releases it, in the order the waiters asked."""
        with self._transaction("take the run lock", resource) as cursor:
            cursor.execute(run_lock_sql(round(wait_seconds * 1000)), (resource,))
            row = cursor.fetchone()
        code = None if row is None else int(row[0])
        if code in (-1, -999):  # held by another session (SQL Server says -1, Babelfish -999)
            self.clean = False  # a session refused a few times fails on Babelfish: not reused
            return False
        if code is None or code < 0:
            raise WarehouseError(
                f"warehouse {self.description}: sp_getapplock on {resource!r} returned {code} "
                "(-2 cancelled, -3 deadlock victim); retry the task"
            )
        return True

    def _release_run_lock(self, resource: str) -> None:
        with self._transaction("release the run lock", resource) as cursor:
            cursor.execute(run_unlock_sql(), (resource,))

    def _create_schema(self, cursor: Any) -> None:
        cursor.execute(schema_id_sql(), (self.schema,))
        row = cursor.fetchone()
        if row is None or row[0] is None:
            cursor.execute(create_schema_sql(self.schema))

    def _existing_columns(self, cursor: Any, table: str) -> dict[str, str]:
        cursor.execute(existing_columns_sql(), (self.schema, table))
        return {row[0]: catalog_type(*row[1:]) for row in cursor.fetchall()}

    def _existing_key(self, cursor: Any, table: str) -> list[str]:
        cursor.execute(primary_key_sql(), (self.table(table),))
        return [row[0] for row in cursor.fetchall()]

    # -- parents ----------------------------------------------------------------------------

    def _merge_parents(self, cursor: Any, staged: StagedBatch, run: RunContext) -> ParentResult:
        mapping = staged.mapping
        payload = frame_json(staged.parent)
        cursor.execute(stage_sql(self.schema, mapping, has_control_escapes(payload)), (payload,))
        cursor.execute(upsert_sql(self.schema, mapping), (run.loaded_at, run.run_id))
        cursor.execute(applied_sql(mapping))
        rows = cursor.fetchall()
        inserted = sum(1 for row in rows if row[0] == "INSERT")
        deleted = sum(1 for row in rows if row[2] and not row[3])
        applied = {canonical(row[1]) for row in rows}
        replaced = {canonical(row[1]) for row in rows if row[0] != "INSERT"}
        return ParentResult(inserted, len(rows) - inserted, deleted, applied, replaced)

    def _reapply(self, cursor: Any, staged: StagedBatch, merged: ParentResult) -> ParentResult:
        """``replace_children_sql`` replaces the children of ``#applied``'s UPDATE rows: add
        every staged parent the upsert left alone."""
        cursor.execute(reapply_sql(staged.mapping))
        return super()._reapply(cursor, staged, merged)

    def _touch(self, cursor: Any, staged: StagedBatch, keys: list[Any], run: RunContext) -> None:
        cursor.execute(touch_sql(self.schema, staged.mapping),
                       (run.run_id, staged.tenant_id, json.dumps(keys)))

    # -- children ---------------------------------------------------------------------------

    def _replace_children(self, cursor: Any, staged: StagedBatch, result: ParentResult,
                          run: RunContext) -> int:
        inserted = 0
        for child, frame in zip(staged.mapping.all_children(), staged.children, strict=True):
            rows = frame.where_in(staged.key_column, result.applied)
            payload = frame_json(rows)
            cursor.execute(replace_children_sql(self.schema, staged.mapping, child,
                                                has_control_escapes(payload)),
                           (payload, run.loaded_at, run.run_id))
            inserted += rows.size
        return inserted

    def _insert_quarantine(self, cursor: Any, records: list[Quarantined],
                           run: RunContext) -> None:
        if records:
            payload = rows_json(QUARANTINE, QUARANTINE.names, self.quarantine_rows(records, run))
            cursor.execute(quarantine_sql(self.schema), (payload,))

    def _forget_quarantined(self, cursor: Any, object_name: str, tenant_id: str,
                            keys: list[str]) -> None:
        payload = json.dumps(keys)
        cursor.execute(forget_quarantined_sql(self.schema, has_control_escapes(payload)),
                       (tenant_id, object_name, payload))

    def _record_seen(self, cursor: Any, staged: StagedBatch, keys: list[str],
                     run: RunContext) -> None:
        payload = json.dumps(keys)
        cursor.execute(record_seen_sql(self.schema, has_control_escapes(payload)),
                       (staged.mapping.name, staged.tenant_id, run.run_id, payload))

    def _save_state(self, cursor: Any, state: SyncState, run: RunContext) -> None:
        cursor.execute(save_state_sql(self.schema), self.state_values(state, run))


def catalog_type(name: str, length: int | None, precision: int | None, scale: int | None,
                 datetime_precision: int | None) -> str:
    """A column's type from INFORMATION_SCHEMA.COLUMNS, spelt as our DDL spells it (text
    lengths are in characters there, -1 for MAX)."""
    name = name.upper()
    if name in ("NVARCHAR", "VARCHAR", "NCHAR", "CHAR"):
        return f"{name}({'MAX' if length == -1 else length})"
    if name in ("DECIMAL", "NUMERIC"):
        return f"DECIMAL({precision}, {scale})"
    if name in ("DATETIME2", "TIME", "DATETIMEOFFSET"):
        return f"{name}({datetime_precision})"
    return name


def frame_json(frame: Frame) -> str:
    """A frame's rows as the JSON array ``OPENJSON … WITH`` reads (one object per row)."""
    names = frame.spec.data_columns
    return rows_json(frame.spec, names, frame.rows())


def rows_json(spec: TableSpec, names: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Rows as JSON objects, values converted per column type (decimals as exact strings)."""
    columns = [convert_column(column, json_converter(spec.column(name).type))
               for name, column in zip(names, zip(*rows, strict=True), strict=False)]
    records = [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]
    return json.dumps(records, ensure_ascii=True, separators=(",", ":"))


class _Returned:
    """What a warehouse holds once its connection went back to the pool: a use after
    ``close()`` fails clearly instead of sharing the connection with its next user."""

    def __init__(self, description: str) -> None:
        self.description = description

    def cursor(self) -> Any:
        raise WarehouseError(f"warehouse {self.description} is closed; open another")

    commit = rollback = cursor

    def close(self) -> None:
        """Already closed: nothing to do."""
