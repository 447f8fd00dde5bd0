"""Draw the warehouse's data model from the mappings: ``docs/data-model.md``.

    python tools/data_model.py           # (re)write docs/data-model.md (`make docs` runs it)
    python tools/data_model.py --check   # exit 1 if the committed file is stale

The tables, columns, types and keys come from the same code that creates them
(``xero_sync.warehouse.tables``), so the picture cannot drift from the warehouse: one Mermaid
``erDiagram`` per Xero object (GitHub renders them), an overview of every table and the
references between objects, and the control tables. ``tests/docs`` fails when the committed
file differs from what this script writes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "data-model.md"
MAPPINGS = ROOT / "include" / "mappings"
COMMAND = "python tools/data_model.py"

if TYPE_CHECKING:
    from xero_sync.mapping import ObjectMapping
    from xero_sync.warehouse.tables import ColumnSpec, TableSpec

# Mermaid attribute types are single words: the mapping's type names, explained in a legend.
TYPE_NOTES = {
    "guid": "a Xero id",
    "string": "text (`string(n)`: at most n characters)",
    "integer": "whole number",
    "bigint": "whole number (64-bit)",
    "money": "amount, 4 decimal places",
    "quantity": "quantity or unit price, 4 decimal places",
    "rate": "currency or discount rate, 10 decimal places",
    "boolean": "true / false",
    "date": "calendar date in the organisation's zone",
    "timestamp": "UTC time, milliseconds",
    "json": "the record as Xero sent it",
}


def _package() -> None:
    """Make ``xero_sync`` importable when run as a script (it lives in plugins/)."""
    plugins = str(ROOT / "plugins")
    if plugins not in sys.path:
        sys.path.insert(0, plugins)


def attribute_type(column: ColumnSpec) -> str:
    """A column's type as one Mermaid word: ``guid``, ``money``, ``string(20)``..."""
    if column.type == "string" and column.length is not None:
        return f"string({column.length})"
    return column.type


def _keys(table: TableSpec, foreign: set[str], column: str) -> str:
    marks = [mark for mark, member in (("PK", column in table.key), ("FK", column in foreign))
             if member]
    return f" {', '.join(marks)}" if marks else ""


def entity(table: TableSpec, foreign: set[str], sources: dict[str, str]) -> list[str]:
    """One table as a Mermaid entity: type, name, keys and the Xero field it comes from."""
    # Names starting with "_" (the control tables) are quoted, as Mermaid asks of such names.
    name = f'"{table.name}"' if table.name.startswith("_") else table.name
    lines = [f"    {name} {{"]
    for column in table.columns:
        note = f' "{sources[column.name]}"' if column.name in sources else ""
        lines.append(f"        {attribute_type(column)} {column.name}"
                     f"{_keys(table, foreign, column.name)}{note}")
    lines.append("    }")
    return lines


def object_diagram(mapping: ObjectMapping) -> list[str]:
    """The tables of one mapping: parent, children and grandchildren, joined by their keys."""
    from xero_sync.mapping_check import column_sources
    from xero_sync.warehouse.tables import mapping_tables

    tables = {table.name: table for table in mapping_tables(mapping)}
    sources = column_sources(mapping)
    parent = tables[mapping.table]
    lines = ["```mermaid", "erDiagram"]
    lines += entity(parent, set(), sources[parent.name])
    parents = {child.table: mapping.table for child in mapping.children}
    for child in mapping.all_children():
        for grandchild in child.children:
            parents[grandchild.table] = child.table
    for child in mapping.all_children():
        table = tables[child.table]
        above = tables[parents[child.table]]
        foreign = {name for name in table.key if name != child.key_column}
        lines += entity(table, foreign, sources[table.name])
        lines.append(f'    {above.name} ||--o{{ {table.name} : "{child.source}"')
    lines.append("```")
    return lines


def references(mappings: list[ObjectMapping]) -> list[tuple[str, str, str]]:
    """(table, column, referenced table): a guid column named like another object's key.

    Xero links records by id (an invoice's ``Contact.ContactID``); the warehouse declares no
    foreign keys, so these are drawn as dotted, non-identifying lines.
    """
    from xero_sync.warehouse.tables import mapping_tables

    keys = {m.key_column: m.table for m in mappings
            if next(c for c in m.columns if c.source == m.primary_key).type == "guid"}
    found = set()
    for mapping in mappings:
        for table in mapping_tables(mapping):
            for column in table.columns:
                target = keys.get(column.name)
                if (target and column.type == "guid" and target != mapping.table
                        and column.name not in table.key[:2]):
                    found.add((table.name, column.name, target))
    return sorted(found)


def overview(mappings: list[ObjectMapping]) -> list[str]:
    """Every table, its children (solid) and the ids it holds of other objects (dotted)."""
    lines = ["```mermaid", "erDiagram"]
    for mapping in mappings:
        parents = {child.table: mapping.table for child in mapping.children}
        for child in mapping.all_children():
            for grandchild in child.children:
                parents[grandchild.table] = child.table
        if not mapping.children:
            lines.append(f"    {mapping.table}")
        for child in mapping.all_children():
            lines.append(f'    {parents[child.table]} ||--o{{ {child.table} : "{child.source}"')
    for table, column, target in references(mappings):
        lines.append(f'    {table} }}o..o| {target} : "{column}"')
    lines.append("```")
    return lines


def control_diagram() -> list[str]:
    """The tables the sync keeps for itself: state, runs, quarantine, tokens."""
    from xero_sync.auth.store_base import TABLE as TOKENS
    from xero_sync.warehouse.tables import CONTROL_TABLES, ColumnSpec, TableSpec

    tokens = TableSpec(TOKENS, (
        ColumnSpec("app_key", "string", 200, nullable=False),
        ColumnSpec("access_token_encrypted", "string"),
        ColumnSpec("refresh_token_encrypted", "string"),
        ColumnSpec("expires_at", "timestamp"), ColumnSpec("scopes", "string"),
        ColumnSpec("updated_at", "timestamp"), ColumnSpec("refreshed_at", "timestamp"),
        ColumnSpec("refresh_count", "integer", nullable=False),
        ColumnSpec("last_error", "string"),
    ), ("app_key",))
    lines = ["```mermaid", "erDiagram"]
    for table in (*CONTROL_TABLES, tokens):
        lines += entity(table, set(), {})
    lines.append("```")
    return lines


def legend() -> list[str]:
    """The attribute types, with their SQL Server and PostgreSQL column types."""
    from xero_sync.warehouse.dialect import MSSQL, POSTGRES
    from xero_sync.warehouse.tables import ColumnSpec

    lines = ["| type | SQL Server | PostgreSQL | holds |", "|---|---|---|---|"]
    for name, note in TYPE_NOTES.items():
        sample = ColumnSpec("x", name, 20 if name == "string" else None)
        unbounded = ColumnSpec("x", name)
        mssql, postgres = MSSQL.sql_type(sample), POSTGRES.sql_type(sample)
        if name == "string":
            mssql = f"{MSSQL.sql_type(unbounded)}, `string(n)`: NVARCHAR(n)"
            postgres = f"{POSTGRES.sql_type(unbounded)}, `string(n)`: varchar(n)"
        lines.append(f"| `{name}` | {mssql} | {postgres} | {note} |")
    return lines


def render() -> str:
    """The whole of docs/data-model.md."""
    _package()
    from xero_sync.dag_factory import WAREHOUSE_SCHEMA
    from xero_sync.mapping import load_mappings

    mappings = load_mappings(MAPPINGS)
    tables = sum(1 + len(m.all_children()) for m in mappings)
    out = [
        "# Data model",
        "",
        f"<!-- Generated by `{COMMAND}` from include/mappings/*.yaml; do not edit. -->",
        "",
        f"The warehouse schema `{WAREHOUSE_SCHEMA}` holds {tables} tables for "
        f"{len(mappings)} Xero objects, plus the sync's control tables. Every table starts with "
        "`tenant_id` (the organisation), so one warehouse holds many organisations. An object's "
        "table is keyed by `(tenant_id, <Xero id>)` and also has `is_deleted` (deleted, voided "
        "or archived in Xero), `_raw_json` (the record as Xero sent it), `_loaded_at` and "
        "`_run_id` (the Airflow run that wrote the row). A child table holds one nested "
        "collection (line items, addresses, ...): its key is the parent's key plus the "
        "child's own id, or its position (`_position`) where Xero gives the child no id. "
        "Child rows are replaced whenever their parent is loaded. `PK` marks key columns, "
        "`FK` the columns that tie a child row to its parent row; the quoted text is the "
        "Xero field each column is read from.",
        "",
        "On PostgreSQL the tables are the same; on SQLite (the demo) a table is named "
        f"`{WAREHOUSE_SCHEMA}_<table>` instead of `{WAREHOUSE_SCHEMA}.<table>`.",
        "",
        "## Types",
        "",
        *legend(),
        "",
        "## Overview",
        "",
        "Solid lines join a table to its child tables; dotted lines show which columns hold the "
        "id of another object's record (Xero's links; the warehouse declares no foreign keys, "
        "and a referenced record can be missing, e.g. an archived item).",
        "",
        *overview(mappings),
        "",
        "## Objects",
        "",
    ]
    for mapping in mappings:
        out += [
            f"### {mapping.name}",
            "",
            f"{mapping.description.split('. ')[0].rstrip('.')}. Xero `{mapping.resource}`, "
            f"DAG `xero__{mapping.name}`, mapping `include/mappings/{mapping.name}.yaml`.",
            "",
            *object_diagram(mapping),
            "",
        ]
    out += [
        "## Control tables",
        "",
        "`_sync_state`: the watermark per object and organisation, moved in the same "
        "transaction as the data. `_sync_runs`: one row per task run (calls, pages, rows "
        "inserted / updated / deleted, error, records still waiting in quarantine). "
        "`_quarantine`: records a mapping could not convert, one row each, with the reason; "
        "retried by every run. `_sync_seen`: the keys a running full snapshot has read, "
        "until it marks the rows it did not read deleted. `_sync_locks`: which run holds the "
        "run lock of an object and organisation. `_webhook_events`: Xero's webhook events, "
        "stored by the receiver before it answers Xero and marked processed by the run that "
        "read their records (the view `_webhook_status` counts them per organisation). "
        "`_oauth_tokens`: the Xero tokens, Fernet-encrypted, one row per Xero app.",
        "",
        *control_diagram(),
        "",
    ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Write docs/data-model.md, or with --check report whether it is up to date."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if docs/data-model.md differs from what would be written")
    args = parser.parse_args(argv)
    text = render()
    current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
    if args.check:
        if current != text:
            print(f"{OUTPUT.relative_to(ROOT)} is stale: run {COMMAND}", file=sys.stderr)
            return 1
        return 0
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
