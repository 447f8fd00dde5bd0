"""SQLite: the demo's and the tests' warehouse, one file, no server.

SQLite has no schemas, so tables are ``<schema>_<table>`` (``xero_invoices``,
``xero__sync_state``), as the token store names ``xero__oauth_tokens``. A load takes the
database's write lock first (``BEGIN IMMEDIATE``), so reading the stored versions of the batch's
keys and writing the batch see the same data: the classification into inserted, updated,
unchanged and older is done on that read, and the upsert (``INSERT … ON CONFLICT DO UPDATE
… WHERE``, executemany) carries the newer-wins guard as well. Key lists travel as one JSON
parameter (``json_each``), never as SQL text.

The run lock (``SqlWarehouse.run_lock``) is an ``flock`` on a file beside the database
(``<database>.run-locks/<schema>.<object>.<tenant>.lock``), not a database lock: holding
SQLite's write lock for a whole run would stop every other object's loads and the token store,
which live in the same file, for as long as the run lasts. The kernel releases an ``flock``
when its process ends, however it ends (SIGKILL included), so no run can leave it held; it is
taken per open file, so two warehouses of one process exclude each other too. An in-memory
database belongs to one connection: nothing else can reach it, so it needs no lock.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from xero_sync.dates import MAX_CLOCK_SKEW
from xero_sync.warehouse.base import RunContext, SyncState
from xero_sync.warehouse.dialect import SQLITE
from xero_sync.warehouse.sqlbase import ParentResult, SqlWarehouse
from xero_sync.warehouse.staging import Frame, StagedBatch
from xero_sync.warehouse.tables import (
    QUARANTINE,
    SYNC_SEEN,
    SYNC_STATE,
    TableSpec,
    compared_columns,
)
from xero_sync.warehouse.upsert import not_older, on_conflict, state_upsert
from xero_sync.warehouse.values import Converter, sqlite_converter, timestamp_text

INSERT, UPDATE, SAME, OLDER = "insert", "update", "same", "older"


class SqliteWarehouse(SqlWarehouse):
    """SQLite through the standard library's ``sqlite3``."""

    sql = SQLITE
    # In WAL mode: NORMAL (the loads; a power cut may undo the last commits, which a rerun
    # repeats) or FULL (the webhook receiver: an event it acknowledged must survive one).
    synchronous = "NORMAL"

    def __init__(self, connection: Any, schema: str = "xero", *, description: str = "") -> None:
        # Transactions are ours (BEGIN IMMEDIATE … COMMIT), not the module's implicit ones.
        if getattr(connection, "isolation_level", None) is not None:
            connection.isolation_level = None
        super().__init__(connection, schema, description=description)
        self._session_ready = False
        self._run_locks: dict[str, IO[str]] = {}  # resource -> the open, flocked file

    def _begin(self, cursor: Any) -> None:
        if not self._session_ready:
            # In WAL mode NORMAL never corrupts the file and keeps every commit atomic (data
            # and watermark together); only a power cut may undo the last commits, which a
            # rerun repeats. FULL would fsync at every commit. Other journal modes keep FULL.
            cursor.execute("PRAGMA journal_mode")
            if str(cursor.fetchone()[0]).lower() == "wal":
                cursor.execute(f"PRAGMA synchronous = {self.synchronous}")
            self._session_ready = True
        cursor.execute("BEGIN IMMEDIATE")

    def driver_errors(self) -> tuple[type[BaseException], ...]:
        """sqlite3's base error."""
        return (sqlite3.Error,)

    def bind_timestamp(self, value: datetime | None) -> Any:
        """ISO text with milliseconds (sorts like the time it names)."""
        return None if value is None else timestamp_text(value)

    def read_timestamp(self, value: Any) -> datetime | None:
        """Parse the ISO text back."""
        return None if value is None else datetime.fromisoformat(value)

    def converters(self, spec: TableSpec) -> list[Converter]:
        """Decimals, dates and timestamps as text, booleans as 0/1."""
        return [sqlite_converter(spec.column(name).type) for name in spec.data_columns]

    def _acquire_run_lock(self, resource: str, wait_seconds: float) -> bool:
        directory = self._lock_directory()
        if directory is None:
            return True
        directory.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", resource.removeprefix("xero_sync:run:"))
        handle = open(directory / f"{name}.lock", "a")  # noqa: SIM115 - held past this call
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        except BaseException:
            handle.close()
            raise
        self._run_locks[resource] = handle
        return True

    def _release_run_lock(self, resource: str) -> None:
        handle = self._run_locks.pop(resource, None)
        if handle is not None:
            handle.close()  # closing the file releases the flock

    def _lock_directory(self) -> Path | None:
        """``<database file>.run-locks``; None for an in-memory database."""
        cursor = self.connection.cursor()
        try:
            cursor.execute("PRAGMA database_list")
            path = next((row[2] for row in cursor.fetchall() if row[1] == "main"), "")
        finally:
            cursor.close()
        return Path(f"{os.path.abspath(path)}.run-locks") if path else None

    def _lock_ddl(self, cursor: Any) -> None:
        """``BEGIN IMMEDIATE`` already holds the write lock."""

    def _existing_columns(self, cursor: Any, table: str) -> dict[str, str]:
        cursor.execute("SELECT name, type FROM pragma_table_info(?)", (f"{self.schema}_{table}",))
        return {row[0]: row[1] for row in cursor.fetchall()}

    def _existing_key(self, cursor: Any, table: str) -> list[str]:
        cursor.execute("SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk",
                       (f"{self.schema}_{table}",))
        return [row[0] for row in cursor.fetchall()]

    # -- parents ----------------------------------------------------------------------------

    def _merge_parents(self, cursor: Any, staged: StagedBatch, run: RunContext) -> ParentResult:
        mapping = staged.mapping
        rows = staged.parent.rows(self.converters(staged.parent.spec))
        stored = self._stored(cursor, staged)
        names = staged.parent.spec.data_columns
        ceiling = timestamp_text(run.loaded_at + MAX_CLOCK_SKEW)  # upsert.NEWER_WINS says why
        plan = _classify(rows, stored, names, mapping.key_column, mapping.updated_column,
                         ceiling)
        applied_rows = [row for row, action in zip(rows, plan, strict=True)
                        if action in (INSERT, UPDATE)]
        if applied_rows:
            extra = (timestamp_text(run.loaded_at), run.run_id)
            cursor.executemany(self._upsert_sql(staged), [(*row, *extra) for row in applied_rows])
        key_at, deleted_at = names.index(mapping.key_column), names.index("is_deleted")
        applied = {row[key_at] for row in applied_rows}
        replaced = {row[key_at] for row in applied_rows if row[key_at] in stored}
        deleted = sum(1 for row in applied_rows if row[deleted_at] == 1
                      and (stored.get(row[key_at]) or {}).get("is_deleted") != 1)
        return ParentResult(plan.count(INSERT), plan.count(UPDATE), deleted, applied, replaced)

    def _stored(self, cursor: Any, staged: StagedBatch) -> dict[Any, dict[str, Any]]:
        """The stored compared columns of the batch's keys, by key."""
        q = self.sql.quote
        key = staged.key_column
        names = [key, *compared_columns(staged.mapping)]
        cursor.execute(
            f"SELECT {self.sql.columns(names)} FROM {self.table(staged.mapping.table)} "  # noqa: S608 - identifiers only
            f"WHERE {q('tenant_id')} = ? AND {q(key)} IN (SELECT value FROM json_each(?))",
            (staged.tenant_id, json.dumps(staged.keys)))
        return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}

    def _upsert_sql(self, staged: StagedBatch) -> str:
        spec = staged.parent.spec
        mapping = staged.mapping
        table = self.table(spec.name)
        q = self.sql.quote
        assignments = [f"{q(name)} = excluded.{q(name)}"
                       for name in [*compared_columns(mapping), "_loaded_at", "_run_id"]]
        guard = not_older(self.sql, mapping.updated_column, "excluded", table)
        return (self.insert_sql(spec) + " "
                + on_conflict(self.sql, spec.key, assignments, [guard] if guard else []))

    def _touch(self, cursor: Any, staged: StagedBatch, keys: list[Any], run: RunContext) -> None:
        q = self.sql.quote
        cursor.execute(
            f"UPDATE {self.table(staged.mapping.table)} SET {q('_run_id')} = ? "  # noqa: S608 - identifiers only
            f"WHERE {q('tenant_id')} = ? AND {q(staged.key_column)} IN "
            f"(SELECT value FROM json_each(?)) AND {q('_run_id')} <> ?",
            (run.run_id, staged.tenant_id, json.dumps(keys), run.run_id))

    # -- children ---------------------------------------------------------------------------

    def _replace_children(self, cursor: Any, staged: StagedBatch, result: ParentResult,
                          run: RunContext) -> int:
        keys = json.dumps(sorted(result.replaced))
        extra = (timestamp_text(run.loaded_at), run.run_id)
        inserted = 0
        for frame in staged.children:
            if result.replaced:
                self._delete_children(cursor, staged, frame, keys)
            rows = frame.where_in(staged.key_column, result.applied).rows(
                self.converters(frame.spec))
            if rows:
                cursor.executemany(self.insert_sql(frame.spec), [(*row, *extra) for row in rows])
                inserted += len(rows)
        return inserted

    def _delete_children(self, cursor: Any, staged: StagedBatch, frame: Frame, keys: str) -> None:
        q = self.sql.quote
        cursor.execute(
            f"DELETE FROM {self.table(frame.spec.name)} WHERE {q('tenant_id')} = ? "  # noqa: S608 - identifiers only
            f"AND {q(staged.key_column)} IN (SELECT value FROM json_each(?))",
            (staged.tenant_id, keys))

    def _forget_quarantined(self, cursor: Any, object_name: str, tenant_id: str,
                            keys: list[str]) -> None:
        q = self.sql.quote
        cursor.execute(
            f"DELETE FROM {self.table(QUARANTINE.name)} WHERE {q('tenant_id')} = ? "  # noqa: S608 - identifiers only
            f"AND {q('object')} = ? AND {q('record_key')} IN (SELECT value FROM json_each(?))",
            (tenant_id, object_name, json.dumps(keys)))

    def _record_seen(self, cursor: Any, staged: StagedBatch, keys: list[str],
                     run: RunContext) -> None:
        names = self.sql.columns(SYNC_SEEN.names)
        cursor.execute(
            f"INSERT OR IGNORE INTO {self.table(SYNC_SEEN.name)} ({names}) "  # noqa: S608 - identifiers only
            "SELECT ?, ?, value, ? FROM json_each(?)",
            (staged.mapping.name, staged.tenant_id, run.run_id, json.dumps(keys)))

    def _save_state(self, cursor: Any, state: SyncState, run: RunContext) -> None:
        table = self.table(SYNC_STATE.name)
        cursor.execute(state_upsert(self.sql, table, table), self.state_values(state, run))


def _classify(rows: list[tuple[Any, ...]], stored: dict[Any, dict[str, Any]], names: list[str],
              key: str, updated: str | None, ceiling: str) -> list[str]:
    """insert / update / same / older for each staged row, against the stored versions (a
    stored change time past ``ceiling``, Xero's clock plus the skew, is never newer)."""
    key_at = names.index(key)
    compared = [(i, name) for i, name in enumerate(names) if name not in ("tenant_id", key)]
    updated_at = None if updated is None else names.index(updated)
    plan = []
    for row in rows:
        old = stored.get(row[key_at])
        if old is None:
            plan.append(INSERT)
        elif updated_at is not None and _older(row[updated_at], old[names[updated_at]],
                                               ceiling):
            plan.append(OLDER)
        elif all(row[i] == old[name] for i, name in compared):
            plan.append(SAME)
        else:
            plan.append(UPDATE)
    return plan


def _older(new: Any, old: Any, ceiling: str) -> bool:
    return new is not None and old is not None and new < old and not old > ceiling
