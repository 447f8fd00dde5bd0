"""The ledger every worker shares: a table of the last minutes' calls in the warehouse.

Table ``<schema>._rate_limit_calls``: one row per call (app, organisation, start, and until when
it counts as in flight), plus rows for calls Xero counted that no worker here made. Deciding a
call and recording it happen in one transaction under an exclusive lock per app
(:mod:`xero_sync.warehouse.locking`, the token store's own connection handling and locks), so
two workers can never both take the last place in a minute. Rows older than the window are
deleted as calls are made; the table stays at most a few minutes of calls long.

SQLite keeps the table in a file beside the warehouse (``<warehouse file>-ratelimit``, as
SQLite names its own ``-wal`` file): SQLite has one write lock per file, and a call must never
wait for another task's load to commit, nor a task for its own open load.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Iterator
from typing import Any

from xero_sync.auth.masking import redact
from xero_sync.auth.store_base import check_identifier
from xero_sync.errors import RateLedgerError
from xero_sync.ratelimit.budget import Usage, Verdict, XeroLimits, verdict
from xero_sync.ratelimit.ledger import (
    OBSERVATION_SLACK,
    OUTSIDE,
    CallKey,
    Clock,
    Ledger,
    MemoryLedger,
    Observation,
    surplus,
)
from xero_sync.warehouse.dbapi import WarehouseTarget, connect
from xero_sync.warehouse.locking import (
    LockingSession,
    LockTimeout,
    MssqlSession,
    PostgresSession,
    SqliteSession,
)

TABLE = "_rate_limit_calls"
SIDECAR_SUFFIX = "-ratelimit"
KEEP = 120.0  # seconds of finished calls kept beyond the window (well over any margin)


class WarehouseLedger(LockingSession):
    """The shared ledger; subclasses name the table and its DDL in their dialect."""

    def __init__(self, connect: Callable[[], Any], schema: str = "xero",
                 description: str = "") -> None:
        super().__init__(connect)
        self.schema = check_identifier(schema)
        self.description = description or self.dialect
        self._ready = False
        self._ready_lock = threading.Lock()

    @property
    def table(self) -> str:
        """The quoted table name."""
        raise NotImplementedError

    def ddl(self) -> list[str]:
        """Statements that create the table and its index if missing (idempotent)."""
        raise NotImplementedError

    # -- the Ledger protocol ----------------------------------------------------------------

    def start(self, call: CallKey, clock: Clock, limits: XeroLimits,
              lease: float) -> tuple[Verdict, float]:
        """See :class:`xero_sync.ratelimit.ledger.Ledger`."""
        self._ensure_table()
        with self._locked(call.app_key, f"reserve a call for organisation {call.tenant_id}") \
                as cursor:
            now = clock()  # under the lock: the start recorded is when the call may go
            cursor.execute(self._delete_sql(), (call.app_key, now - limits.span - KEEP, now))
            horizon = now - limits.span
            cursor.execute(self._usage_sql(), (
                call.tenant_id, horizon, call.tenant_id, horizon, call.tenant_id, now,
                horizon, horizon, call.app_key, horizon, now))
            row = cursor.fetchone()
            usage = Usage(int(row[0] or 0), _float(row[1]), int(row[2] or 0), int(row[3] or 0),
                          _float(row[4]))
            decision = verdict(usage, limits, now)
            if decision.go:
                cursor.execute(self._insert_sql(), (call.call_id, call.app_key, call.tenant_id,
                                                    now, now + lease))
            return decision, now

    def finish(self, call: CallKey, started_at: float, clock: Clock, limits: XeroLimits,
               observation: Observation | None) -> int:
        """See :class:`xero_sync.ratelimit.ledger.Ledger`."""
        with self._locked(call.app_key, f"finish a call for organisation {call.tenant_id}") \
                as cursor:
            now = clock()
            cursor.execute(f"UPDATE {self.table} SET busy_until = NULL "  # noqa: S608
                           f"WHERE call_id = {self.marker}", (call.call_id,))
            if observation is None:
                return 0
            since = started_at - limits.window - OBSERVATION_SLACK
            cursor.execute(self._ours_sql(), (call.tenant_id, call.app_key, since))
            org_ours, app_ours = (int(value or 0) for value in cursor.fetchone())
            extra = surplus(observation, limits, org_ours, app_ours)
            when = observation.outside_start(limits, now)
            for index in range(extra.org + extra.app):
                tenant = call.tenant_id if index < extra.org else ""
                cursor.execute(self._insert_sql(), (f"{OUTSIDE}-{call.call_id}-{index}",
                                                    call.app_key, tenant, when, None))
            return extra.org + extra.app

    # -- SQL shared by the dialects ---------------------------------------------------------

    def _delete_sql(self) -> str:
        m = self.marker
        return (f"DELETE FROM {self.table} WHERE app_key = {m} AND started_at < {m} "  # noqa: S608
                f"AND (busy_until IS NULL OR busy_until < {m})")

    def _usage_sql(self) -> str:
        """One pass over the app's recent rows: the organisation's window and calls in
        flight, the app's window (the fields of :class:`Usage`, in order)."""
        m = self.marker
        return (
            f"SELECT COALESCE(SUM(CASE WHEN tenant_id = {m} AND started_at > {m} THEN 1 "  # noqa: S608
            f"ELSE 0 END), 0), MIN(CASE WHEN tenant_id = {m} AND started_at > {m} "
            f"THEN started_at END), COALESCE(SUM(CASE WHEN tenant_id = {m} AND busy_until > "
            f"{m} THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN started_at > {m} THEN 1 "
            f"ELSE 0 END), 0), MIN(CASE WHEN started_at > {m} THEN started_at END) "
            f"FROM {self.table} WHERE app_key = {m} AND (started_at > {m} OR busy_until > {m})"
        )

    def _ours_sql(self) -> str:
        m = self.marker
        return (f"SELECT COALESCE(SUM(CASE WHEN tenant_id = {m} THEN 1 ELSE 0 END), 0), "  # noqa: S608
                f"COUNT(*) FROM {self.table} WHERE app_key = {m} AND started_at > {m}")

    def _insert_sql(self) -> str:
        markers = ", ".join([self.marker] * 5)
        return (f"INSERT INTO {self.table} (call_id, app_key, tenant_id, started_at, "  # noqa: S608
                f"busy_until) VALUES ({markers})")

    # -- transactions -----------------------------------------------------------------------

    def _ensure_table(self) -> None:
        with self._ready_lock:
            if self._ready:
                return
            with self._locked(f"{self.schema}.{TABLE}", "create the table") as cursor:
                for statement in self.ddl():
                    cursor.execute(statement)
            self._ready = True

    @contextlib.contextmanager
    def _locked(self, name: str, action: str) -> Iterator[Any]:
        """A transaction holding the lock on ``name``, committed at the end of the block."""
        failures: tuple[type[BaseException], ...] = (*self.driver_errors(), LockTimeout)
        with self._connection() as connection:
            try:
                cursor = connection.cursor()
                self.lock_resource(cursor, f"xero_sync:ratelimit:{self.schema}:{name}")
                yield cursor
                connection.commit()
            except failures as error:
                with contextlib.suppress(Exception):
                    connection.rollback()
                raise self._failure(action, error) from error
            except BaseException:
                with contextlib.suppress(Exception):
                    connection.rollback()
                raise

    def _failure(self, action: str, error: BaseException) -> RateLedgerError:
        return RateLedgerError(
            f"rate-limit ledger {self.description} (table {self.table}): could not {action}: "
            f"{redact(str(error))}. Check that the warehouse connection xero_warehouse is "
            "reachable and lets this user create and write the table"
        )


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


class SqliteLedger(SqliteSession, WarehouseLedger):
    """SQLite: the table in the sidecar file; the schema becomes a name prefix."""

    @property
    def table(self) -> str:
        """``"<schema>__rate_limit_calls"``."""
        return f'"{self.schema}_{TABLE}"'

    def ddl(self) -> list[str]:
        """Table and index, IF NOT EXISTS."""
        return [f"CREATE TABLE IF NOT EXISTS {self.table} (call_id TEXT NOT NULL PRIMARY KEY, "
                "app_key TEXT NOT NULL, tenant_id TEXT NOT NULL, started_at REAL NOT NULL, "
                "busy_until REAL NULL)",
                f'CREATE INDEX IF NOT EXISTS "{self.schema}_{TABLE}_app" ON {self.table} '
                "(app_key, started_at)"]


class PostgresLedger(PostgresSession, WarehouseLedger):
    """PostgreSQL: ``"<schema>"."_rate_limit_calls"``."""

    @property
    def table(self) -> str:
        """The schema-qualified name."""
        return f'"{self.schema}"."{TABLE}"'

    def ddl(self) -> list[str]:
        """Schema, table and index, IF NOT EXISTS."""
        return [f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"',
                f"CREATE TABLE IF NOT EXISTS {self.table} (call_id VARCHAR(100) NOT NULL "
                "PRIMARY KEY, app_key VARCHAR(200) NOT NULL, tenant_id VARCHAR(64) NOT NULL, "
                "started_at DOUBLE PRECISION NOT NULL, busy_until DOUBLE PRECISION NULL)",
                f'CREATE INDEX IF NOT EXISTS "{TABLE}_app" ON {self.table} '
                "(app_key, started_at)"]


class MssqlLedger(MssqlSession, WarehouseLedger):
    """SQL Server: ``[<schema>].[_rate_limit_calls]``."""

    @property
    def table(self) -> str:
        """The schema-qualified name."""
        return f"[{self.schema}].[{TABLE}]"

    def ddl(self) -> list[str]:
        """Schema, table and index if missing (CREATE SCHEMA must be alone in its batch; the
        index is made with its table, as Babelfish renames indexes and a lookup by name fails)."""
        return [
            f"IF SCHEMA_ID(N'{self.schema}') IS NULL EXEC(N'CREATE SCHEMA [{self.schema}]')",
            f"IF OBJECT_ID(N'{self.table}', N'U') IS NULL BEGIN CREATE TABLE {self.table} "
            "(call_id VARCHAR(100) NOT NULL PRIMARY KEY, app_key NVARCHAR(200) NOT NULL, "
            "tenant_id NVARCHAR(64) NOT NULL, started_at FLOAT NOT NULL, busy_until FLOAT NULL); "
            f"CREATE INDEX [ix{TABLE}_app] ON {self.table} (app_key, started_at) END",
        ]


_DIALECTS: dict[str, type[WarehouseLedger]] = {
    "sqlite": SqliteLedger, "postgres": PostgresLedger, "mssql": MssqlLedger,
}


def warehouse_ledger(target: WarehouseTarget, schema: str = "xero") -> Ledger:
    """The ledger every worker on this warehouse shares (an in-memory SQLite warehouse has no
    other workers to share with: it gets a ledger of this process)."""
    if target.dialect == "sqlite":
        if target.database in ("", ":memory:"):
            return MemoryLedger()
        target = WarehouseTarget("sqlite", target.database + SIDECAR_SUFFIX)
    return _DIALECTS[target.dialect](functools.partial(connect, target), schema,
                                     description=target.describe())
