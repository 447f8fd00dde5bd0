"""The statements every dialect writes the same way (only quoting and placeholders differ).

Each is built from validated identifiers and the dialect's placeholders; values are always
bound parameters, which is why the f-strings here carry ``noqa: S608``.
"""

from __future__ import annotations

from collections.abc import Sequence

from xero_sync.warehouse.dialect import Dialect
from xero_sync.warehouse.tables import SYNC_STATE, ColumnSpec, TableSpec

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


def mark_missing_sql(dialect: Dialect, schema: str, table: str) -> str:
    """Mark the tenant's rows a snapshot did not contain deleted; parameters: True, loaded_at,
    tenant_id, False, run_id."""
    q, m = dialect.quote, dialect.marker
    return (f"UPDATE {dialect.table(schema, table)} "  # noqa: S608 - identifiers only
            f"SET {q('is_deleted')} = {m}, {q('_loaded_at')} = {m} "
            f"WHERE {q('tenant_id')} = {m} AND {q('is_deleted')} = {m} AND {q('_run_id')} <> {m}")


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
    top, limit = ((f"TOP ({int(size)}) ", "") if dialect.name == "mssql" else
                  ("", f" LIMIT {int(size)}"))
    return (f"SELECT {top}{q(key.name)}, {q('is_deleted')}, {q('_raw_json')} "  # noqa: S608 - identifiers only
            f"FROM {dialect.table(schema, table)} WHERE {q('tenant_id')} = {m}{after} "
            f"ORDER BY {q(key.name)}{limit}")
