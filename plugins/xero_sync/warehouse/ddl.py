"""CREATE TABLE and ALTER TABLE … ADD from table specs, for every dialect.

Tables are created once and only ever widened: a column a mapping gained is added as a
nullable column, never by rebuilding the table; ``SqlWarehouse.ensure_tables`` then fills it
for the stored rows from their ``_raw_json`` in the same transaction. Existence is checked by
reading the catalog under the DDL lock rather than with ``IF NOT EXISTS``, so the same plain
statements serve every dialect and the golden T-SQL files.
"""

from __future__ import annotations

from xero_sync.warehouse.dialect import Dialect
from xero_sync.warehouse.tables import ColumnSpec, TableSpec


def create_table(dialect: Dialect, schema: str, spec: TableSpec) -> str:
    """``CREATE TABLE`` with every column and the primary key."""
    lines = [dialect.column_definition(column) for column in spec.columns]
    if spec.key:
        lines.append(f"PRIMARY KEY ({dialect.columns(list(spec.key))})")
    body = ",\n    ".join(lines)
    return f"CREATE TABLE {dialect.table(schema, spec.name)} (\n    {body}\n)"


def add_column(dialect: Dialect, schema: str, table: str, column: ColumnSpec) -> str:
    """``ALTER TABLE … ADD`` a column, nullable: rows already stored have no value for it."""
    nullable = ColumnSpec(column.name, column.type, column.length, nullable=True)
    keyword = "ADD" if dialect.name == "mssql" else "ADD COLUMN"
    return (f"ALTER TABLE {dialect.table(schema, table)} {keyword} "
            f"{dialect.column_definition(nullable)}")
