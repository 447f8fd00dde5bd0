"""Children without their own id are kept (issue 10, point 6), and deployed tables follow.

Xero leaves LineItemID out of some credit notes, overpayments and prepayments, and
AllocationID out of allocations (its own API examples do). Those child tables are keyed by the
child's position in the parent, the id kept as a nullable column. A warehouse created while
they were keyed by the id has those tables dropped, created with the new key and filled again
from the parents' ``_raw_json``, in the one transaction of ``ensure_tables``.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import yaml

from tests.warehouse.conftest import ROOT, TENANT
from tests.warehouse.support import Scratch, expected_rows, run, table_rows, warehouse_data
from tests.warehouse.test_tsql import WidenedConnection
from xero_sync.mapping import ObjectMapping, parse_mapping
from xero_sync.transform import transform
from xero_sync.warehouse.ddl import drop_table
from xero_sync.warehouse.dialect import MSSQL
from xero_sync.warehouse.mssql import MssqlWarehouse
from xero_sync.warehouse.sqlbase import SqlWarehouse
from xero_sync.warehouse.tables import child_table
from xero_sync.warehouse.tsql import control_statements, mapping_statements

Record = dict[str, Any]
CREDIT_NOTES_YAML = ROOT / "include" / "mappings" / "credit_notes.yaml"
REKEYED = ("credit_note_line_items", "credit_note_line_item_tracking",
           "credit_note_allocations")


def keyed_by_ids(path: Path = CREDIT_NOTES_YAML) -> ObjectMapping:
    """The mapping as deployed before: line items and allocations keyed by their ids."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    ids = {"LineItems": "LineItemID", "Allocations": "AllocationID"}
    for child in document["children"]:
        if child["source"] in ids:
            child["key"] = ids[child["source"]]
    return parse_mapping(document, str(path), path.stem)


def without_child_ids(record: Record) -> Record:
    copied = copy.deepcopy(record)
    for field, child_id in (("LineItems", "LineItemID"), ("Allocations", "AllocationID")):
        for child in copied.get(field) or []:
            child.pop(child_id, None)
    return copied


def key_of(warehouse: SqlWarehouse, table: str) -> list[str]:
    cursor = warehouse.connection.cursor()
    key = warehouse._existing_key(cursor, table)
    warehouse.connection.commit()
    return key


def test_children_without_ids_are_keyed_by_position(
        scratch: Scratch, credit_notes_mapping: ObjectMapping,
        credit_notes: list[Record]) -> None:
    warehouse = scratch.open()
    warehouse.ensure_tables([credit_notes_mapping])
    records = [without_child_ids(r) for r in credit_notes]

    counts = warehouse.load(transform(credit_notes_mapping, TENANT, records), run(), None)

    assert (counts.inserted, counts.quarantined) == (len(records), 0)
    assert warehouse_data(warehouse, credit_notes_mapping, TENANT) == expected_rows(
        credit_notes_mapping, TENANT, records)
    lines = table_rows(warehouse, "credit_note_line_items", TENANT, ["line_item_id"])
    assert lines and set(lines) == {(None,)}
    assert key_of(warehouse, "credit_note_line_items") == [
        "tenant_id", "credit_note_id", "_position"]


def test_tables_keyed_by_child_ids_are_rebuilt_from_raw_json(
        scratch: Scratch, credit_notes_mapping: ObjectMapping,
        credit_notes: list[Record]) -> None:
    old = keyed_by_ids()
    warehouse = scratch.open()
    warehouse.ensure_tables([old])
    warehouse.load(transform(old, TENANT, credit_notes), run(), None)
    assert key_of(warehouse, "credit_note_line_items")[-1] == "line_item_id"

    warehouse.ensure_tables([credit_notes_mapping])

    assert warehouse_data(warehouse, credit_notes_mapping, TENANT) == expected_rows(
        credit_notes_mapping, TENANT, credit_notes)
    for name in REKEYED:
        spec = child_table(credit_notes_mapping, next(
            c for c in credit_notes_mapping.all_children() if c.table == name))
        assert key_of(warehouse, name) == list(spec.key)
    # What Xero sends without ids now lands beside them.
    later = [without_child_ids(r) for r in credit_notes[:3]]
    for record in later:
        record["UpdatedDateUTC"] = "/Date(1900000000000+0000)/"
    counts = warehouse.load(transform(credit_notes_mapping, TENANT, later), run("run-2"), None)
    assert (counts.updated, counts.quarantined) == (3, 0)
    warehouse.ensure_tables([credit_notes_mapping])  # nothing to rebuild any more
    kept = {r["CreditNoteID"]: r for r in [*credit_notes, *later]}
    assert warehouse_data(warehouse, credit_notes_mapping, TENANT) == expected_rows(
        credit_notes_mapping, TENANT, list(kept.values()))


class RekeyedConnection(WidenedConnection):
    """SQL Server holding credit notes in tables keyed by the children's ids."""

    def respond(self, sql: str, params: tuple[Any, ...]) -> tuple[list[tuple[Any, ...]], int]:
        if "[_raw_json] FROM" in sql:
            self.events.append("SELECT")
            return [(r["CreditNoteID"], False, json.dumps(r)) for r in self.stored], -1
        return super().respond(sql, params)


def test_the_rebuild_on_sql_server_is_generated_tsql_in_one_transaction(
        credit_notes_mapping: ObjectMapping, credit_notes: list[Record]) -> None:
    stored = credit_notes[:3]
    connection = RekeyedConnection(keyed_by_ids(), stored)

    MssqlWarehouse(connection, "xero", description="mssql:recorded").ensure_tables(
        [credit_notes_mapping])

    sent = [sql for sql, _, _ in connection.log]
    statements = mapping_statements("xero", credit_notes_mapping)
    drops = [drop_table(MSSQL, "xero", name) for name in REKEYED]
    assert set(sent) <= {*control_statements("xero").values(), *statements.values(), *drops}
    for name in REKEYED:
        assert sent.index(drop_table(MSSQL, "xero", name)) < sent.index(
            statements[f"create_{name}"]) < sent.index(statements[f"replace_{name}"])
    assert drop_table(MSSQL, "xero", "credit_note_payments") not in sent
    replaced = json.loads(connection.log[sent.index(statements["replace_credit_note_line_items"])]
                          [1][0])
    assert len(replaced) == sum(len(r.get("LineItems") or []) for r in stored)
    assert connection.events.count("COMMIT") == 1
    assert "ROLLBACK" not in connection.events
