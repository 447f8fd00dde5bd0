"""The statements every dialect writes the same way (only quoting and placeholders differ).

Each is built from validated identifiers and the dialect's placeholders; values are always
bound parameters, which is why the f-strings here carry ``noqa: S608``.
"""

from __future__ import annotations

from collections.abc import Sequence

from xero_sync.warehouse.dialect import Dialect
from xero_sync.warehouse.tables import (
    QUARANTINE,
    SYNC_LOCKS,
    SYNC_RUNS,
    SYNC_SEEN,
    SYNC_STATE,
    ColumnSpec,
    TableSpec,
)

STATE_COLUMNS = ["watermark_ts", "watermark_int", "last_run_id", "updated_at"]
REFILL_PAGE = 1_000  # stored records re-read per step of a refill


def insert_sql(dialect: Dialect, schema: str, spec: TableSpec,
               names: Sequence[str] | None = None) -> str:
    """``INSERT INTO table (columns) VALUES (placeholders)``."""
    names = list(names or spec.names)
    return (f"INSERT INTO {dialect.table(schema, spec.name)} ({dialect.columns(names)}) "  # noqa: S608 - identifiers only
            f"VALUES ({dialect.markers(len(names))})")


def select_state_sql(dialect: Dialect, schema: str) -> str:
    """One object's watermark for one organisation; parameters: object, tenant_id."""
    q, m = dialect.quote, dialect.marker
    columns = dialect.columns(STATE_COLUMNS)
    table = dialect.table(schema, SYNC_STATE.name)
    return (f"SELECT {columns} FROM {table} "  # noqa: S608 - identifiers only
            f"WHERE {q('object')} = {m} AND {q('tenant_id')} = {m}")


def mark_missing_sql(dialect: Dialect, schema: str, table: str, key: ColumnSpec) -> str:
    """Mark deleted the tenant's rows whose key the snapshot did not read: no row in
    ``_sync_seen`` (written only by the snapshot's own loads). Parameters: True, loaded_at,
    tenant_id, False, object."""
    q, m = dialect.quote, dialect.marker
    seen = f"s.{q('record_key')}"
    if dialect.name != "sqlite" and key.type != "string":  # SQLite stores keys as text
        seen = f"CAST({seen} AS {dialect.sql_type(key)})"
    where = (f"WHERE t.{q('tenant_id')} = {m} AND t.{q('is_deleted')} = {m} AND NOT EXISTS ("  # noqa: S608 - identifiers only
             f"SELECT 1 FROM {dialect.table(schema, SYNC_SEEN.name)} AS s "
             f"WHERE s.{q('object')} = {m} AND s.{q('tenant_id')} = t.{q('tenant_id')} "
             f"AND {seen} = t.{q(key.name)})")
    sets = f"SET {q('is_deleted')} = {m}, {q('_loaded_at')} = {m}"
    if dialect.name == "mssql":
        return f"UPDATE t {sets} FROM {dialect.table(schema, table)} AS t {where}"
    return f"UPDATE {dialect.table(schema, table)} AS t {sets} {where}"


def clear_seen_sql(dialect: Dialect, schema: str) -> str:
    """Forget the keys snapshots of one object and organisation read; parameters: object,
    tenant_id."""
    return _delete_where(dialect, schema, SYNC_SEEN, ["object", "tenant_id"])


def lock_holder_sql(dialect: Dialect, schema: str) -> str:
    """Who holds an object's run lock for an organisation (run id, holder, since); parameters:
    object, tenant_id."""
    q, m = dialect.quote, dialect.marker
    return (f"SELECT {dialect.columns(['run_id', 'holder', 'acquired_at'])} "  # noqa: S608 - identifiers only
            f"FROM {dialect.table(schema, SYNC_LOCKS.name)} "
            f"WHERE {q('object')} = {m} AND {q('tenant_id')} = {m}")


def clear_lock_holder_sql(dialect: Dialect, schema: str) -> str:
    """Remove the holder row of an object and organisation (a new holder replaces it, or the
    holder leaves); parameters: object, tenant_id."""
    return _delete_where(dialect, schema, SYNC_LOCKS, ["object", "tenant_id"])


def reset_state_sql(dialect: Dialect, schema: str) -> str:
    """Set one ``_sync_state`` row's watermarks, back as well as forward (an operator's reset;
    loads only ever move them forward). Parameters: watermark_ts, watermark_int, last_run_id,
    updated_at, object, tenant_id."""
    q, m = dialect.quote, dialect.marker
    sets = ", ".join(f"{q(name)} = {m}" for name in STATE_COLUMNS)
    return (f"UPDATE {dialect.table(schema, SYNC_STATE.name)} SET {sets} "  # noqa: S608 - identifiers only
            f"WHERE {q('object')} = {m} AND {q('tenant_id')} = {m}")


def quarantine_page_sql(dialect: Dialect, schema: str, first: bool,
                        size: int = REFILL_PAGE) -> str:
    """The next ``size`` waiting records of an object and organisation that have a key, in key
    order: record_key and raw_json. Parameters: tenant_id, object, and unless ``first`` the
    previous page's last key."""
    q, m = dialect.quote, dialect.marker
    key = q("record_key")
    text = dialect.sql_type(QUARANTINE.column("record_key"))
    after = "" if first else f" AND {key} > CAST({m} AS {text})"
    top, limit = _top_limit(dialect, size)
    return (f"SELECT {top}{key}, {q('raw_json')} "  # noqa: S608 - identifiers only
            f"FROM {dialect.table(schema, QUARANTINE.name)} "
            f"WHERE {q('tenant_id')} = {m} AND {q('object')} = {m} AND {key} IS NOT NULL{after} "
            f"ORDER BY {key}{limit}")


def count_quarantine_sql(dialect: Dialect, schema: str) -> str:
    """How many records of an object and organisation wait in quarantine; parameters:
    tenant_id, object."""
    q, m = dialect.quote, dialect.marker
    return (f"SELECT COUNT(*) FROM {dialect.table(schema, QUARANTINE.name)} "  # noqa: S608 - identifiers only
            f"WHERE {q('tenant_id')} = {m} AND {q('object')} = {m}")


def succeeded_tenants_sql(dialect: Dialect, schema: str) -> str:
    """The organisations with a successful sync of an object in a run; parameters: run_id,
    object, status ('success')."""
    q, m = dialect.quote, dialect.marker
    return (f"SELECT DISTINCT {q('tenant_id')} FROM {dialect.table(schema, SYNC_RUNS.name)} "  # noqa: S608 - identifiers only
            f"WHERE {q('run_id')} = {m} AND {q('object')} = {m} AND {q('status')} = {m}")


def quarantined_key_sql(dialect: Dialect, schema: str) -> str:
    """Whether one record waits in quarantine; parameters: tenant_id, object, record_key."""
    q, m = dialect.quote, dialect.marker
    return (f"SELECT COUNT(*) FROM {dialect.table(schema, QUARANTINE.name)} "  # noqa: S608 - identifiers only
            f"WHERE {q('tenant_id')} = {m} AND {q('object')} = {m} AND {q('record_key')} = {m}")


def _delete_where(dialect: Dialect, schema: str, spec: TableSpec, names: list[str]) -> str:
    where = " AND ".join(f"{dialect.quote(name)} = {dialect.marker}" for name in names)
    return f"DELETE FROM {dialect.table(schema, spec.name)} WHERE {where}"  # noqa: S608 - identifiers only


def _top_limit(dialect: Dialect, size: int) -> tuple[str, str]:
    """``TOP (n)`` after SELECT on SQL Server, `` LIMIT n`` at the end elsewhere."""
    if dialect.name == "mssql":
        return f"TOP ({int(size)}) ", ""
    return "", f" LIMIT {int(size)}"


def tenants_sql(dialect: Dialect, schema: str, table: str) -> str:
    """The organisations a table holds rows of."""
    q = dialect.quote
    return (f"SELECT DISTINCT {q('tenant_id')} FROM {dialect.table(schema, table)} "  # noqa: S608 - identifiers only
            f"ORDER BY {q('tenant_id')}")


def raw_page_sql(dialect: Dialect, schema: str, table: str, key: ColumnSpec, first: bool,
                 size: int = REFILL_PAGE) -> str:
    """The next ``size`` stored records of one organisation in key order: key, is_deleted and
    ``_raw_json``. Parameters: tenant_id, and unless ``first`` the previous page's last key."""
    q, m = dialect.quote, dialect.marker
    after = "" if first else f" AND {q(key.name)} > CAST({m} AS {dialect.sql_type(key)})"
    top, limit = _top_limit(dialect, size)
    return (f"SELECT {top}{q(key.name)}, {q('is_deleted')}, {q('_raw_json')} "  # noqa: S608 - identifiers only
            f"FROM {dialect.table(schema, table)} WHERE {q('tenant_id')} = {m}{after} "
            f"ORDER BY {q(key.name)}{limit}")
