"""``python -m xero_sync.mapping check FILE...``: check a mapping file without Airflow.

Someone adding a Xero object wants to know, before the DAG processor sees the file, that it is
valid, which tables and columns it will create (with their SQL types) and which OAuth scope the
app needs for it. The DAG processor shows a broken mapping only as an import error after its
next parse; this answers in a second, with the same validator and the same table specs the
warehouse creates tables from, and never imports Airflow (so it runs anywhere the package and
its YAML and pandas dependencies are installed).

Exit status: 0 when every file is valid, 1 when one is not (the error names the file, the field,
what was found and what was expected), 2 for a usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from xero_sync.errors import ConfigurationError
from xero_sync.mapping import ChildTable, ObjectMapping, load_mapping
from xero_sync.scopes import SINCE, scope_for
from xero_sync.warehouse.base import DEFAULT_SCHEMA
from xero_sync.warehouse.dialect import MSSQL, POSTGRES, SQLITE
from xero_sync.warehouse.tables import TableSpec, mapping_tables

COMMAND = "python -m xero_sync.mapping check"
# What the warehouse adds to the mapping's own columns, in the words of the data model.
LOAD_COLUMNS = {
    "tenant_id": "(the organisation)",
    "is_deleted": "(deleted, voided or archived in Xero)",
    "_raw_json": "(the record as Xero sent it)",
    "_loaded_at": "(when the row was written)",
    "_run_id": "(the Airflow run that wrote it)",
    "_position": "(position in the collection)",
    "_parent_position": "(the parent's position)",
}


def column_sources(mapping: ObjectMapping) -> dict[str, dict[str, str]]:
    """Per table: column name -> the Xero field it is read from (``Lines[].Amount`` below)."""
    found = {mapping.table: {c.name: c.source for c in mapping.columns}}

    def walk(children: tuple[ChildTable, ...], prefix: str) -> None:
        for child in children:
            path = f"{prefix}{child.source}[]."
            found[child.table] = {c.name: f"{path}{c.source}" for c in child.columns}
            walk(child.children, path)

    walk(mapping.children, "")
    return found


def describe(mapping: ObjectMapping, schema: str = DEFAULT_SCHEMA) -> str:
    """What the mapping will do: its DAG, the scope it needs, its tables and typed columns."""
    need = scope_for(mapping.api, mapping.resource, f"{mapping.path}: ")
    lines = [
        f"{mapping.path}: valid",
        f"DAG xero__{mapping.name}: Xero {mapping.api} {mapping.resource}, strategy "
        f"{mapping.strategy}, schedule {mapping.schedule!r}"
        + (f", full re-read {mapping.reconcile_schedule!r}" if mapping.reconcile_schedule
           else ""),
        f"Scope: {need.granular} (apps created since {SINCE})"
        + ("" if need.broad == need.granular else f", {need.broad} (older apps)"),
    ]
    if need.opt_in:
        lines.append(f"  not in the default scopes: {need.opt_in}; add it to the connection's "
                     "scopes and authorize again")
    sources = column_sources(mapping)
    for table in mapping_tables(mapping):
        lines += ["", *_table_lines(table, sources.get(table.name, {}), schema)]
    return "\n".join(lines)


def _table_lines(table: TableSpec, sources: dict[str, str], schema: str) -> list[str]:
    """One table: its names per dialect, its key, and a row per column."""
    rows = [("column", "SQL Server", "PostgreSQL", "SQLite", "from Xero")]
    for column in table.columns:
        null = "" if column.nullable else " NOT NULL"
        origin = sources.get(column.name) or LOAD_COLUMNS.get(column.name, "(the parent's key)")
        rows.append((column.name, MSSQL.sql_type(column) + null,
                     POSTGRES.sql_type(column) + null, SQLITE.sql_type(column), origin))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return [
        f"Table {schema}.{table.name} (SQLite: {SQLITE.table(schema, table.name)}), "
        f"key ({', '.join(table.key)})",
        *("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
          + "  " + row[4] for row in rows),
    ]


def clashes(mapping: ObjectMapping, path: Path) -> None:
    """Refuse a table name another mapping of the same directory already creates."""
    mine = {mapping.table, *(c.table for c in mapping.all_children())}
    for other_path in sorted(path.parent.glob("*.yaml")):
        if other_path.resolve() == path.resolve():
            continue
        try:
            other = load_mapping(other_path)
        except ConfigurationError:
            continue  # reported when that file is checked itself
        taken = mine & {other.table, *(c.table for c in other.all_children())}
        if taken:
            raise ConfigurationError(
                f"{path}: table {sorted(taken)[0]!r} is also defined by {other_path}; expected "
                "every table name to be unique across mappings (rename the table or the mapping)")


def check(path: Path, out: TextIO) -> bool:
    """Check one file and print what it creates, or the precise error; whether it is valid."""
    if not path.is_file():
        print(f"{path}: no such file; expected the path of a mapping (*.yaml)", file=out)
        return False
    try:
        mapping = load_mapping(path)
        clashes(mapping, path)
        print(describe(mapping), file=out)
    except ConfigurationError as error:
        print(f"invalid: {error}", file=out)
        return False
    return True


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """The command line: ``check FILE...``."""
    parser = argparse.ArgumentParser(prog="python -m xero_sync.mapping",
                                     description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    check_command = commands.add_parser(
        "check", help="validate mapping files and show the tables and scope each needs")
    check_command.add_argument("files", nargs="+", type=Path, metavar="FILE")
    args = parser.parse_args(argv)
    stream = out or sys.stdout
    results = []
    for index, path in enumerate(args.files):
        if index:
            print(file=stream)
        results.append(check(path, stream))
    return 0 if all(results) else 1
