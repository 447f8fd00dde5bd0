"""What differs between SQL Server, PostgreSQL and SQLite in naming and types (decision 6).

Every identifier in generated SQL goes through :meth:`Dialect.quote`, and every table name
through :meth:`Dialect.table`; names are validated plain identifiers (``tables.py``), so the
quoting never has to escape anything, but it would. Values never appear in SQL text.

Types: money and quantities DECIMAL(19,4), rates DECIMAL(28,10), GUIDs UNIQUEIDENTIFIER,
booleans BIT, dates DATE, timestamps DATETIME2(3) in UTC, text NVARCHAR. PostgreSQL uses its
own equivalents; SQLite, which has no decimal or date types, stores decimals, dates and
timestamps as exact text (never REAL) and booleans as 0/1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from xero_sync.warehouse.tables import ColumnSpec, check_identifier

_MSSQL_TYPES = {
    "guid": "UNIQUEIDENTIFIER", "integer": "INT", "bigint": "BIGINT",
    "money": "DECIMAL(19, 4)", "quantity": "DECIMAL(19, 4)", "rate": "DECIMAL(28, 10)",
    "boolean": "BIT", "date": "DATE", "timestamp": "DATETIME2(3)", "json": "NVARCHAR(MAX)",
}
_POSTGRES_TYPES = {
    "guid": "uuid", "integer": "integer", "bigint": "bigint", "money": "numeric(19, 4)",
    "quantity": "numeric(19, 4)", "rate": "numeric(28, 10)", "boolean": "boolean",
    "date": "date", "timestamp": "timestamp(3)", "json": "text",
}
# Affinity TEXT keeps '139.3000' and '2024-08-18' exactly as written; INTEGER holds 0/1.
_SQLITE_TYPES = {
    "guid": "TEXT", "integer": "INTEGER", "bigint": "INTEGER", "money": "TEXT",
    "quantity": "TEXT", "rate": "TEXT", "boolean": "INTEGER", "date": "TEXT",
    "timestamp": "TEXT", "json": "TEXT",
}


@dataclass(frozen=True)
class Dialect:
    """Quoting, table naming and column types of one database."""

    name: str
    opening: str
    closing: str
    types: Mapping[str, str]
    bounded_text: str  # "{n}" is the length
    unbounded_text: str
    marker: str  # the driver's parameter placeholder
    has_schemas: bool = True

    def quote(self, name: str) -> str:
        """A quoted identifier (the closing quote doubled, as every dialect escapes it)."""
        return f"{self.opening}{name.replace(self.closing, self.closing * 2)}{self.closing}"

    def table(self, schema: str, name: str) -> str:
        """The qualified, quoted table name; SQLite has no schemas: ``"<schema>_<name>"``."""
        if not self.has_schemas:
            return self.quote(f"{schema}_{name}")
        return f"{self.quote(schema)}.{self.quote(name)}"

    def sql_type(self, column: ColumnSpec) -> str:
        """The column's SQL type."""
        if column.type == "string":
            if column.length is None:
                return self.unbounded_text
            return self.bounded_text.format(n=column.length)
        return self.types[column.type]

    def column_definition(self, column: ColumnSpec) -> str:
        """``name TYPE [NOT] NULL``."""
        null = "NULL" if column.nullable else "NOT NULL"
        return f"{self.quote(column.name)} {self.sql_type(column)} {null}"

    def columns(self, names: list[str], alias: str | None = None) -> str:
        """A comma-separated list of quoted columns, optionally qualified by an alias."""
        prefix = f"{alias}." if alias else ""
        return ", ".join(f"{prefix}{self.quote(name)}" for name in names)

    def markers(self, count: int) -> str:
        """``count`` parameter placeholders, comma-separated."""
        return ", ".join([self.marker] * count)


MSSQL = Dialect("mssql", "[", "]", _MSSQL_TYPES, "NVARCHAR({n})", "NVARCHAR(MAX)", "%s")
POSTGRES = Dialect("postgres", '"', '"', _POSTGRES_TYPES, "varchar({n})", "text", "%s")
SQLITE = Dialect("sqlite", '"', '"', _SQLITE_TYPES, "TEXT", "TEXT", "?", has_schemas=False)
DIALECTS = {d.name: d for d in (MSSQL, POSTGRES, SQLITE)}


def check_schema(schema: str) -> str:
    """The warehouse schema, validated (it is part of every table name)."""
    return check_identifier(schema, "warehouse schema")
