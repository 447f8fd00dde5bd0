"""Xero's webhook events in the warehouse (``_webhook_events``, ``tables.WEBHOOK_EVENTS``).

The receiver stores each event here, in one transaction per delivery, before it answers Xero
200: an acknowledged event is never lost. Xero's events carry no id of their own, so a row is
keyed by ``(tenant_id, event_key)``, the SHA-256 of what identifies the event (organisation,
category, record, type and Xero's event time): a delivery Xero repeats (after a timeout, a
non-200, or a retry of its own) stores nothing new.

A run marks the events whose records it read as processed (``processed_at``, ``run_id``):

* a webhook run, in the same transaction as those records' rows (``SqlWarehouse.load`` with
  ``events_done``), so an event is never processed without its data stored;
* a scheduled run that read everything changed since its watermark (or everything), after its
  last commit, for the events received before it started (``settle``): their changes
  happened before it read, so it read them too.

``_webhook_status`` (a view) shows operators, per organisation and category, the events
received, processed and pending and the age of the oldest pending one. It is created when
missing and never redefined in place: a new definition needs a new name.

SQLite and PostgreSQL share their statements except where noted; SQL Server's are built here
too (``webhook_event_statements``, part of ``tsql.control_statements``) and kept as golden
files ``tests/golden/mssql/_control_webhook_events_*.sql``. Every
value is a bound parameter; identifiers are the validated schema and fixed names.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from xero_sync.warehouse.dialect import MSSQL, Dialect
from xero_sync.warehouse.tables import EVENT_KEY_LENGTH, WEBHOOK_EVENTS
from xero_sync.warehouse.values import timestamp_text

if TYPE_CHECKING:
    from xero_sync.warehouse.sqlbase import SqlWarehouse

STATUS_VIEW = "_webhook_status"
PENDING_LIMIT = 20_000  # event rows one run reads at most (the rest wait for the next run)


@dataclass(frozen=True)
class WebhookEvent:
    """One event of a Xero webhook payload, as stored."""

    tenant_id: str
    category: str  # CONTACT, INVOICE, CREDITNOTE
    event_type: str  # CREATE, UPDATE
    resource_id: str
    event_date: datetime | None  # Xero's eventDateUtc (naive UTC)
    event_json: str  # the event as Xero sent it

    @property
    def event_key(self) -> str:
        """What makes two deliveries the same event: a hex SHA-256 of its identity."""
        identity = "|".join([self.tenant_id, self.category, self.resource_id, self.event_type,
                             "" if self.event_date is None else self.event_date.isoformat()])
        return hashlib.sha256(identity.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class PendingEvent:
    """An event no run has processed yet."""

    event_key: str
    resource_id: str
    received_at: datetime


@dataclass(frozen=True)
class PendingSummary:
    """The pending events of a category across organisations (what the trigger watches)."""

    count: int
    newest_received: datetime | None
    oldest_received: datetime | None


@dataclass(frozen=True)
class EventStatus:
    """A row of ``_webhook_status``: one organisation's events of one category."""

    tenant_id: str
    category: str
    received: int
    processed: int
    pending: int
    oldest_pending_seconds: int | None
    last_received_at: datetime | None


class WebhookEventStore:
    """The event operations of one open warehouse (each its own transaction)."""

    def __init__(self, warehouse: SqlWarehouse) -> None:
        self.warehouse = warehouse
        self.sql = warehouse.sql
        self.schema = warehouse.schema

    def store(self, events: Sequence[WebhookEvent], received_at: datetime) -> int:
        """Insert the events not stored yet, in one transaction; returns how many were new."""
        unique = list({event.event_key: event for event in events}.values())
        if not unique:
            return 0
        rows = [self._row(event, received_at) for event in unique]
        table = self.sql.table(self.schema, WEBHOOK_EVENTS.name)
        with self.warehouse.transaction(f"store {len(rows)} webhook events", table) as cursor:
            if self.sql.name == "mssql":
                cursor.execute(store_tsql(self.schema), (_rows_json(rows),))
                row = cursor.fetchone()
                return int(row[0]) if row else 0
            cursor.executemany(store_sql(self.sql, self.schema), rows)
            return max(int(cursor.rowcount), 0)

    def pending(self, tenant_id: str, category: str,
                limit: int = PENDING_LIMIT) -> list[PendingEvent]:
        """The organisation's unprocessed events of a category, oldest first."""
        with self.warehouse.transaction("read pending webhook events",
                                        WEBHOOK_EVENTS.name) as cursor:
            cursor.execute(pending_sql(self.sql, self.schema, limit), (tenant_id, category))
            rows = cursor.fetchall()
        return [PendingEvent(str(key), str(resource).lower(), self._read(received))
                for key, resource, received in rows]

    def summary(self, category: str) -> PendingSummary:
        """How many events of a category wait, across organisations, and since when."""
        with self.warehouse.transaction("summarise pending webhook events",
                                        WEBHOOK_EVENTS.name) as cursor:
            cursor.execute(summary_sql(self.sql, self.schema), (category,))
            row = cursor.fetchone()
        if row is None:
            return PendingSummary(0, None, None)
        return PendingSummary(int(row[0] or 0), self.warehouse.read_timestamp(row[1]),
                              self.warehouse.read_timestamp(row[2]))

    def settle(self, tenant_id: str, category: str, received_before: datetime,
               run_id: str, processed_at: datetime) -> int:
        """Mark processed the organisation's pending events of a category received before a
        moment (a scheduled run that read every change since then); returns how many."""
        bind = self.warehouse.bind_timestamp
        with self.warehouse.transaction("mark webhook events processed",
                                        WEBHOOK_EVENTS.name) as cursor:
            cursor.execute(settle_sql(self.sql, self.schema),
                           (bind(processed_at), run_id, tenant_id, category,
                            bind(received_before)))
            return max(int(cursor.rowcount), 0)

    def status(self) -> list[EventStatus]:
        """The rows of ``_webhook_status``, by organisation and category."""
        with self.warehouse.transaction("read the webhook status", STATUS_VIEW) as cursor:
            cursor.execute(status_sql(self.sql, self.schema))
            rows = cursor.fetchall()
        return [EventStatus(str(r[0]).lower(), str(r[1]), int(r[2]), int(r[3] or 0),
                            int(r[4] or 0), None if r[5] is None else int(r[5]),
                            self._read(r[6])) for r in rows]

    def prune(self, older_than: timedelta, now: datetime) -> int:
        """Delete processed events received before ``now - older_than``; returns how many."""
        with self.warehouse.transaction("prune webhook events", WEBHOOK_EVENTS.name) as cursor:
            cursor.execute(prune_sql(self.sql, self.schema),
                           (self.warehouse.bind_timestamp(now - older_than),))
            return max(int(cursor.rowcount), 0)

    def _row(self, event: WebhookEvent, received_at: datetime) -> tuple[Any, ...]:
        bind = self.warehouse.bind_timestamp
        return (event.tenant_id, event.event_key, event.category, event.event_type,
                event.resource_id, bind(event.event_date), bind(received_at), None, None,
                event.event_json)

    def _read(self, value: Any) -> datetime:
        """A NOT NULL timestamp column's value (the epoch if a driver ever gave None)."""
        return self.warehouse.read_timestamp(value) or datetime(1970, 1, 1)


def mark_processed(warehouse: SqlWarehouse, cursor: Any, tenant_id: str, keys: Sequence[str],
                   run_id: str, processed_at: datetime) -> None:
    """Inside a load's transaction: these events of the organisation are processed."""
    if not keys:
        return
    sql = warehouse.sql
    when = warehouse.bind_timestamp(processed_at)
    if sql.name == "mssql":
        cursor.execute(mark_tsql(warehouse.schema), (when, run_id, tenant_id, json.dumps(
            list(keys))))
    elif sql.name == "postgres":
        cursor.execute(mark_sql(sql, warehouse.schema), (when, run_id, tenant_id, list(keys)))
    else:
        cursor.execute(mark_sql(sql, warehouse.schema), (when, run_id, tenant_id,
                                                         json.dumps(list(keys))))


def ensure_status_view(warehouse: SqlWarehouse, cursor: Any) -> None:
    """Create ``_webhook_status`` when missing (inside ``ensure_tables``, after the tables)."""
    sql, schema = warehouse.sql, warehouse.schema
    if sql.name == "sqlite":
        cursor.execute(f"CREATE VIEW IF NOT EXISTS {sql.table(schema, STATUS_VIEW)} AS "
                       f"{status_view_body(sql, schema)}")
        return
    cursor.execute(view_exists_sql(sql), (sql.table(schema, STATUS_VIEW),))
    row = cursor.fetchone()
    if row is None or row[0] is None:
        cursor.execute(create_view_sql(sql, schema))


# -- statements ------------------------------------------------------------------------------

def _columns(sql: Dialect) -> str:
    return sql.columns(WEBHOOK_EVENTS.names)


def store_sql(sql: Dialect, schema: str) -> str:
    """SQLite and PostgreSQL: insert one event unless stored (executemany)."""
    return (f"INSERT INTO {sql.table(schema, WEBHOOK_EVENTS.name)} ({_columns(sql)}) "  # noqa: S608 - identifiers only
            f"VALUES ({sql.markers(len(WEBHOOK_EVENTS.names))}) "
            f"ON CONFLICT ({sql.columns(list(WEBHOOK_EVENTS.key))}) DO NOTHING")


def store_tsql(schema: str) -> str:
    """SQL Server: the delivery's events as one JSON parameter; those not stored yet are
    inserted (the key range locked, so two deliveries of one event cannot both insert it);
    returns how many."""
    q = MSSQL.quote
    table = MSSQL.table(schema, WEBHOOK_EVENTS.name)
    typed = ",\n    ".join(f"{q(c.name)} {_json_type(MSSQL.sql_type(c))} '$.\"{c.name}\"'"
                           for c in WEBHOOK_EVENTS.columns)
    return (
        "DECLARE @json NVARCHAR(MAX) = %s;\n"  # noqa: S608 - identifiers only
        f"INSERT INTO {table} ({_columns(MSSQL)})\n"
        f"SELECT {MSSQL.columns(WEBHOOK_EVENTS.names, 'j')}\n"
        f"FROM OPENJSON(@json) WITH (\n    {typed}\n) AS j\n"
        f"WHERE NOT EXISTS (SELECT 1 FROM {table} AS e WITH (UPDLOCK, HOLDLOCK) "
        f"WHERE e.{q('tenant_id')} = j.{q('tenant_id')} "
        f"AND e.{q('event_key')} = j.{q('event_key')});\n"
        "SELECT @@ROWCOUNT AS stored"
    )


def _json_type(sql_type: str) -> str:
    """OPENJSON cuts longer text to a declared length silently: read text unbounded, so the
    insert refuses what does not fit instead."""
    return "NVARCHAR(MAX)" if sql_type.startswith("NVARCHAR") else sql_type


def mark_sql(sql: Dialect, schema: str) -> str:
    """SQLite (keys as a JSON array) and PostgreSQL (keys as an array): mark events processed.
    Parameters: processed_at, run_id, tenant_id, keys."""
    q, m = sql.quote, sql.marker
    keys = (f"IN (SELECT value FROM json_each({m}))" if sql.name == "sqlite"  # noqa: S608 - identifiers only
            else f"= ANY({m})")
    return (f"UPDATE {sql.table(schema, WEBHOOK_EVENTS.name)} "  # noqa: S608 - identifiers only
            f"SET {q('processed_at')} = {m}, {q('run_id')} = {m} "
            f"WHERE {q('tenant_id')} = {m} AND {q('event_key')} {keys} "
            f"AND {q('processed_at')} IS NULL")


def mark_tsql(schema: str) -> str:
    """SQL Server: mark events processed. Parameters: processed_at, run_id, tenant_id, keys
    (a JSON array)."""
    q = MSSQL.quote
    return (
        "DECLARE @processed_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s, "  # noqa: S608 - identifiers only
        "@tenant_id UNIQUEIDENTIFIER = %s, @keys NVARCHAR(MAX) = %s;\n"
        f"UPDATE {MSSQL.table(schema, WEBHOOK_EVENTS.name)}\n"
        f"SET {q('processed_at')} = @processed_at, {q('run_id')} = @run_id\n"
        f"WHERE {q('tenant_id')} = @tenant_id AND {q('processed_at')} IS NULL "
        f"AND {q('event_key')} IN (SELECT k.{q('key')} FROM OPENJSON(@keys) WITH "
        f"({q('key')} NVARCHAR({EVENT_KEY_LENGTH}) '$') AS k)"
    )


def pending_sql(sql: Dialect, schema: str, limit: int = PENDING_LIMIT) -> str:
    """An organisation's pending events of a category, oldest first: event_key,
    resource_id, received_at. Parameters: tenant_id, category."""
    q, m = sql.quote, sql.marker
    top, tail = (f"TOP ({int(limit)}) ", "") if sql.name == "mssql" else ("", f" LIMIT {limit:d}")
    return (f"SELECT {top}{sql.columns(['event_key', 'resource_id', 'received_at'])} "  # noqa: S608 - identifiers only
            f"FROM {sql.table(schema, WEBHOOK_EVENTS.name)} "
            f"WHERE {q('tenant_id')} = {m} AND {q('category')} = {m} "
            f"AND {q('processed_at')} IS NULL ORDER BY {q('received_at')}, {q('event_key')}"
            f"{tail}")


def summary_sql(sql: Dialect, schema: str) -> str:
    """Pending events of a category across organisations: count, newest and oldest
    received_at. Parameter: category."""
    q, m = sql.quote, sql.marker
    return (f"SELECT COUNT(*), MAX({q('received_at')}), MIN({q('received_at')}) "  # noqa: S608 - identifiers only
            f"FROM {sql.table(schema, WEBHOOK_EVENTS.name)} "
            f"WHERE {q('category')} = {m} AND {q('processed_at')} IS NULL")


def settle_sql(sql: Dialect, schema: str) -> str:
    """Mark processed an organisation's pending events of a category received before a
    moment. Parameters: processed_at, run_id, tenant_id, category, received_before."""
    q, m = sql.quote, sql.marker
    return (f"UPDATE {sql.table(schema, WEBHOOK_EVENTS.name)} "  # noqa: S608 - identifiers only
            f"SET {q('processed_at')} = {m}, {q('run_id')} = {m} "
            f"WHERE {q('tenant_id')} = {m} AND {q('category')} = {m} "
            f"AND {q('processed_at')} IS NULL AND {q('received_at')} < {m}")


def prune_sql(sql: Dialect, schema: str) -> str:
    """Delete processed events received before a moment. Parameter: the moment."""
    q, m = sql.quote, sql.marker
    return (f"DELETE FROM {sql.table(schema, WEBHOOK_EVENTS.name)} "  # noqa: S608 - identifiers only
            f"WHERE {q('processed_at')} IS NOT NULL AND {q('received_at')} < {m}")


def status_sql(sql: Dialect, schema: str) -> str:
    """Every row of the status view, by organisation and category."""
    columns = sql.columns(["tenant_id", "category", "received", "processed", "pending",
                           "oldest_pending_seconds", "last_received_at"])
    q = sql.quote
    return (f"SELECT {columns} FROM {sql.table(schema, STATUS_VIEW)} "  # noqa: S608 - identifiers only
            f"ORDER BY {q('tenant_id')}, {q('category')}")


def status_view_body(sql: Dialect, schema: str) -> str:
    """The view's query: counts per organisation and category, and how old the oldest
    pending event is in seconds, by the database's own UTC clock."""
    q = sql.quote
    pending = f"CASE WHEN {q('processed_at')} IS NULL THEN {q('received_at')} END"
    oldest = f"MIN({pending})"
    age = {
        "sqlite": f"CAST(ROUND((julianday('now') - julianday({oldest})) * 86400) AS INTEGER)",
        "postgres": f"CAST(EXTRACT(EPOCH FROM ((now() AT TIME ZONE 'UTC') - {oldest})) "
                    "AS bigint)",
        "mssql": f"DATEDIFF(SECOND, {oldest}, SYSUTCDATETIME())",
    }[sql.name]
    return (
        f"SELECT {q('tenant_id')}, {q('category')}, COUNT(*) AS {q('received')},\n"
        f"  SUM(CASE WHEN {q('processed_at')} IS NULL THEN 0 ELSE 1 END) AS {q('processed')},\n"
        f"  SUM(CASE WHEN {q('processed_at')} IS NULL THEN 1 ELSE 0 END) AS {q('pending')},\n"
        f"  {oldest} AS {q('oldest_pending_received_at')},\n"
        f"  {age} AS {q('oldest_pending_seconds')},\n"
        f"  MAX({q('received_at')}) AS {q('last_received_at')}\n"
        f"FROM {sql.table(schema, WEBHOOK_EVENTS.name)}\n"
        f"GROUP BY {q('tenant_id')}, {q('category')}"
    )


def view_exists_sql(sql: Dialect) -> str:
    """The view's object id, NULL when missing. Parameter: its qualified, quoted name."""
    if sql.name == "mssql":
        return "SELECT OBJECT_ID(%s, N'V')"
    return "SELECT to_regclass(%s)"


def create_view_sql(sql: Dialect, schema: str) -> str:
    """``CREATE VIEW`` (on SQL Server the only statement of its batch)."""
    return f"CREATE VIEW {sql.table(schema, STATUS_VIEW)} AS\n{status_view_body(sql, schema)}"


def webhook_event_statements(schema: str) -> dict[str, str]:
    """Every statement SQL Server runs for webhook events, by name: part of
    ``tsql.control_statements``, so kept as golden files ``_control_webhook_events_*.sql``."""
    statements = {
        "store": store_tsql(schema), "mark_processed": mark_tsql(schema),
        "pending": pending_sql(MSSQL, schema), "summary": summary_sql(MSSQL, schema),
        "settle": settle_sql(MSSQL, schema), "prune": prune_sql(MSSQL, schema),
        "status": status_sql(MSSQL, schema), "view_exists": view_exists_sql(MSSQL),
        "create_status_view": create_view_sql(MSSQL, schema),
    }
    return {f"webhook_events_{name}": sql for name, sql in statements.items()}


def _rows_json(rows: list[tuple[Any, ...]]) -> str:
    """Rows as the JSON array ``OPENJSON … WITH`` reads: times as ISO text (milliseconds)."""
    records = [{name: (timestamp_text(value, "T") if isinstance(value, datetime) else value)
                for name, value in zip(WEBHOOK_EVENTS.names, row, strict=True)}
               for row in rows]
    return json.dumps(records, ensure_ascii=True, separators=(",", ":"))
