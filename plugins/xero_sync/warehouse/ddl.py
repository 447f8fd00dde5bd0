"""CREATE TABLE and ALTER TABLE … ADD from table specs, for every dialect.

Tables are created once and only ever widened: a column a mapping gained is added as a
nullable column, never by rebuilding the table; ``SqlWarehouse.ensure_tables`` then fills it
for the stored rows from their ``_raw_json`` in the same transaction. Existence is checked by
reading the catalog under the DDL lock rather than with ``IF NOT EXISTS``, so the same plain
statements serve every dialect and the golden T-SQL files.

A column whose type in the mapping no longer matches the table is never converted in place (a
conversion can lose data or fail half-way): ``fit`` tells whether the stored column holds
what the mapping produces. Only text is widened, which every dialect does without rewriting
the data; any other change is refused with what to do (``SqlWarehouse._ensure_table``).
"""

from __future__ import annotations

import re

from xero_sync.warehouse.dialect import Dialect
from xero_sync.warehouse.tables import ColumnSpec, TableSpec

SAME, WIDEN, DIFFERS = "same", "widen", "differs"
# How catalogs spell types we write otherwise (after lower-casing and removing spaces).
_SYNONYMS = (("charactervarying", "varchar"), ("withouttimezone", ""))
_TEXT = re.compile(r"^(?:n?varchar|text)(?:\((\d+|max)\))?$")


def create_table(dialect: Dialect, schema: str, spec: TableSpec) -> str:
    """``CREATE TABLE`` with every column and the primary key."""
    lines = [dialect.column_definition(column) for column in spec.columns]
    if spec.key:
        lines.append(f"PRIMARY KEY ({dialect.columns(list(spec.key))})")
    body = ",\n    ".join(lines)
    return f"CREATE TABLE {dialect.table(schema, spec.name)} (\n    {body}\n)"


def drop_table(dialect: Dialect, schema: str, table: str) -> str:
    """``DROP TABLE``: only for a child table whose key changed, refilled from its parents'
    ``_raw_json`` in the same transaction (``SqlWarehouse.ensure_tables``)."""
    return f"DROP TABLE {dialect.table(schema, table)}"


def add_column(dialect: Dialect, schema: str, table: str, column: ColumnSpec) -> str:
    """``ALTER TABLE … ADD`` a column, nullable: rows already stored have no value for it."""
    nullable = ColumnSpec(column.name, column.type, column.length, nullable=True)
    keyword = "ADD" if dialect.name == "mssql" else "ADD COLUMN"
    return (f"ALTER TABLE {dialect.table(schema, table)} {keyword} "
            f"{dialect.column_definition(nullable)}")


def widen_column(dialect: Dialect, schema: str, table: str, column: ColumnSpec) -> str:
    """``ALTER TABLE … ALTER COLUMN`` to the mapping's (longer) text type; never for SQLite,
    whose TEXT has no length."""
    name, sql_type = dialect.quote(column.name), dialect.sql_type(column)
    if dialect.name == "mssql":
        # SQL Server makes an ALTER COLUMN without a NULL clause nullable under
        # ANSI_NULL_DFLT_ON ON; Babelfish rejects the clause and keeps the column's
        # nullability. Widened columns are nullable mapping columns (keys are never widened),
        # so this spelling gives a nullable column on both. A NOT NULL column keeps its clause:
        # right on SQL Server, refused loudly by Babelfish rather than made nullable.
        null = "" if column.nullable else " NOT NULL"
        return (f"SET ANSI_NULL_DFLT_ON ON; ALTER TABLE {dialect.table(schema, table)} "
                f"ALTER COLUMN {name} {sql_type}{null}")
    return f"ALTER TABLE {dialect.table(schema, table)} ALTER COLUMN {name} TYPE {sql_type}"


def normal_type(spelling: str) -> str:
    """A type as a catalog or our DDL spells it, in one form: 'numeric(19,4)', 'varchar(20)',
    'timestamp(3)', 'nvarchar(max)'."""
    text = spelling.lower().replace(" ", "")
    for found, meant in _SYNONYMS:
        text = text.replace(found, meant)
    return text


def fit(dialect: Dialect, stored: str, column: ColumnSpec) -> str:
    """SAME when the stored column holds every value of the mapping's column, WIDEN when it is
    shorter text, DIFFERS otherwise."""
    stored, wanted = normal_type(stored), normal_type(dialect.sql_type(column))
    if stored == wanted:
        return SAME
    stored_text, wanted_text = _TEXT.match(stored), _TEXT.match(wanted)
    if column.type != "string" or not stored_text or not wanted_text:
        return DIFFERS
    if stored_text.group(1) in (None, "max"):
        return SAME  # unbounded: holds any text
    if wanted_text.group(1) in (None, "max") or int(wanted_text.group(1)) > int(
            stored_text.group(1)):
        return WIDEN
    return SAME  # a shorter limit in the mapping: the transform refuses longer values
