"""Tables from mappings: created once, widened when a mapping gains a column, data kept."""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.warehouse.conftest import ROOT, TENANT
from tests.warehouse.support import Scratch, expected_rows, run, table_rows, warehouse_data
from tests.warehouse.test_load import load_pages
from xero_sync.errors import ConfigurationError
from xero_sync.mapping import Column, ObjectMapping, load_mappings, parse_mapping
from xero_sync.transform import transform
from xero_sync.warehouse.base import WarehouseError
from xero_sync.warehouse.dialect import MSSQL, POSTGRES, SQLITE
from xero_sync.warehouse.sqlbase import SqlWarehouse
from xero_sync.warehouse.sqlite import SqliteWarehouse
from xero_sync.warehouse.tables import (
    CONTROL_TABLES,
    ColumnSpec,
    child_table,
    mapping_tables,
    parent_table,
)

Record = dict[str, Any]
INVOICES_YAML = ROOT / "include" / "mappings" / "invoices.yaml"


def invoices_document() -> dict[str, Any]:
    """invoices.yaml as a dict, to change."""
    document = yaml.safe_load(INVOICES_YAML.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def columns_of(warehouse: SqlWarehouse, table: str) -> list[str]:
    """A table's columns as the catalog lists them."""
    cursor = warehouse.connection.cursor()
    names = list(warehouse._existing_columns(cursor, table))
    warehouse.connection.commit()
    return names


def test_every_table_is_created_once_with_its_columns(warehouse: SqlWarehouse,
                                                      invoices_mapping: ObjectMapping) -> None:
    warehouse.ensure_tables([invoices_mapping])  # a second time: nothing to do

    for spec in [*CONTROL_TABLES, *mapping_tables(invoices_mapping)]:
        assert columns_of(warehouse, spec.name) == spec.names, spec.name
    tracking = child_table(invoices_mapping, invoices_mapping.children[0].children[0])
    assert tracking.key == ("tenant_id", "invoice_id", "line_item_id", "tracking_category_id")
    assert parent_table(invoices_mapping).names[-4:] == ["is_deleted", "_raw_json", "_loaded_at",
                                                          "_run_id"]


def widened_invoices() -> ObjectMapping:
    """invoices.yaml with a column more on the invoice and on its line items."""
    document = invoices_document()
    document["columns"].append({"source": "HasErrors", "name": "has_errors_added",
                                "type": "boolean"})
    document["children"][0]["columns"].append(
        {"source": "Item.Code", "name": "item_code_added", "type": "string", "length": 30})
    return parse_mapping(document, str(INVOICES_YAML), "invoices")


def test_a_column_added_to_a_mapping_is_altered_in_and_filled_from_raw_json(
        warehouse: SqlWarehouse, invoices_mapping: ObjectMapping, invoices: list[Record],
        caplog: pytest.LogCaptureFixture) -> None:
    load_pages(warehouse, invoices_mapping, invoices)
    other_tenant = "0b5c1a9e-8d7f-4e6a-9b3c-2d1e0f9a8b7c"
    warehouse.load(transform(invoices_mapping, other_tenant, invoices[:9]), run(), None)
    state = warehouse.read_state(invoices_mapping, TENANT)
    warehouse.refill_page = 7  # several pages per organisation, the last one short
    wider = widened_invoices()

    with caplog.at_level(logging.INFO, logger="xero_sync.warehouse.sqlbase"):
        warehouse.ensure_tables([wider])
    assert f"organisation {TENANT}: {len(invoices)} stored records refilled" in caplog.text
    assert f"organisation {other_tenant}: 9 stored records refilled" in caplog.text

    assert columns_of(warehouse, "invoices")[-1] == "has_errors_added"
    assert columns_of(warehouse, "invoice_line_items")[-1] == "item_code_added"
    # Filled from the stored _raw_json at once, child tables too, every organisation.
    assert warehouse_data(warehouse, wider, TENANT) == expected_rows(wider, TENANT, invoices)
    assert (warehouse_data(warehouse, wider, other_tenant)
            == expected_rows(wider, other_tenant, invoices[:9]))
    assert any(row[0] for row in table_rows(warehouse, "invoice_line_items", TENANT,
                                            ["item_code_added"]))
    assert warehouse.read_state(wider, TENANT) == state
    # Xero sending the same records again finds nothing left to change.
    counts = load_pages(warehouse, wider, invoices, run_id="run-2")
    assert (counts.inserted, counts.updated, counts.unchanged) == (0, 0, len(invoices))
    # Nothing left to add: no second refill.
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="xero_sync.warehouse.sqlbase"):
        warehouse.ensure_tables([wider])
    assert "refilled" not in caplog.text


def test_a_child_table_added_to_a_mapping_is_filled_from_raw_json(
        scratch: Scratch, invoices_mapping: ObjectMapping, invoices: list[Record]) -> None:
    document = invoices_document()
    document["children"] = [c for c in document["children"] if c["table"] != "invoice_payments"]
    without_payments = parse_mapping(document, str(INVOICES_YAML), "invoices")
    warehouse = scratch.open()
    warehouse.ensure_tables([without_payments])
    load_pages(warehouse, without_payments, invoices)

    warehouse.ensure_tables([invoices_mapping])

    expected = expected_rows(invoices_mapping, TENANT, invoices)
    assert expected["invoice_payments"]  # the sandbox's invoices have payments
    assert warehouse_data(warehouse, invoices_mapping, TENANT) == expected


def test_a_refill_keeps_rows_a_snapshot_marked_deleted(
        warehouse: SqlWarehouse, invoices_mapping: ObjectMapping,
        invoices: list[Record]) -> None:
    load_pages(warehouse, invoices_mapping, invoices)
    live = [r for r in invoices if r["Status"] not in ("DELETED", "VOIDED")]
    gone = live[:3]  # hard-deleted in Xero: a full snapshot without them marks them deleted
    kept = [r for r in invoices if r not in gone]
    snapshot = run("snapshot", snapshot=True)
    warehouse.load(transform(invoices_mapping, TENANT, kept), snapshot, None)
    assert warehouse.mark_missing_deleted(invoices_mapping, TENANT, snapshot, None) == 3

    warehouse.ensure_tables([widened_invoices()])

    deleted = {key for key, flag in table_rows(warehouse, "invoices", TENANT,
                                               ["invoice_id", "is_deleted"]) if flag}
    assert {r["InvoiceID"] for r in gone} <= deleted
    assert deleted == {r["InvoiceID"] for r in invoices
                       if r in gone or r["Status"] in ("DELETED", "VOIDED")}


def test_a_refill_that_fails_leaves_the_table_as_it_was(
        warehouse: SqlWarehouse, invoices_mapping: ObjectMapping, invoices: list[Record],
        monkeypatch: pytest.MonkeyPatch) -> None:
    load_pages(warehouse, invoices_mapping, invoices)
    before = warehouse_data(warehouse, invoices_mapping, TENANT)
    warehouse.refill_page = 10
    wider = widened_invoices()
    replace_children = type(warehouse)._replace_children
    calls = []

    def fail_on_the_third_page(self: SqlWarehouse, *args: Any) -> int:
        calls.append(1)
        if len(calls) == 3:
            raise sqlite3.OperationalError("disk I/O error (injected)")
        return replace_children(self, *args)

    with monkeypatch.context() as patch:
        patch.setattr(type(warehouse), "_replace_children", fail_on_the_third_page)
        patch.setattr(type(warehouse), "driver_errors", lambda self: (sqlite3.Error,))
        with pytest.raises(WarehouseError, match="create or widen the tables"):
            warehouse.ensure_tables([wider])

    assert "has_errors_added" not in columns_of(warehouse, "invoices")
    assert "item_code_added" not in columns_of(warehouse, "invoice_line_items")
    assert warehouse_data(warehouse, invoices_mapping, TENANT) == before
    warehouse.ensure_tables([wider])  # the next task start does it all
    assert warehouse_data(warehouse, wider, TENANT) == expected_rows(wider, TENANT, invoices)


def test_a_stored_record_the_wider_mapping_refuses_is_quarantined_and_kept(
        warehouse: SqlWarehouse, invoices_mapping: ObjectMapping,
        invoices: list[Record]) -> None:
    load_pages(warehouse, invoices_mapping, invoices)
    document = invoices_document()
    document["columns"].append({"source": "Reference", "name": "short_reference",
                                "type": "string", "length": 1})
    narrow = parse_mapping(document, str(INVOICES_YAML), "invoices")
    refused = {r["InvoiceID"] for r in invoices if len(r.get("Reference") or "") > 1}
    assert refused

    warehouse.ensure_tables([narrow])

    quarantined = table_rows(warehouse, "_quarantine", TENANT, ["record_key", "reason"])
    assert {row[0] for row in quarantined} == refused
    assert all("Reference=" in row[1] for row in quarantined)
    stored = table_rows(warehouse, "invoices", TENANT, ["invoice_id", "short_reference"])
    assert len(stored) == len(invoices)  # refused records keep their row, new column NULL
    assert {key for key, value in stored if value is None} >= refused


def with_column(name: str, **changes: Any) -> ObjectMapping:
    """invoices.yaml with one of its invoice columns changed."""
    document = invoices_document()
    column = next(c for c in document["columns"] if c["source"] == name)
    column.update(changes)
    return parse_mapping(document, str(INVOICES_YAML), "invoices")


def test_longer_text_in_a_mapping_widens_the_column_and_keeps_the_data(
        warehouse: SqlWarehouse, invoices_mapping: ObjectMapping,
        invoices: list[Record]) -> None:
    load_pages(warehouse, invoices_mapping, invoices)
    longer = with_column("LineAmountTypes", length=60)
    record = {**invoices[0], "LineAmountTypes": "Exclusive" * 5,  # 45 characters
              "UpdatedDateUTC": "/Date(1900000000000+0000)/"}

    warehouse.ensure_tables([longer])
    counts = warehouse.load(transform(longer, TENANT, [record]), run("run-2"), None)

    assert (counts.updated, counts.quarantined) == (1, 0)
    stored = dict(table_rows(warehouse, "invoices", TENANT, ["invoice_id", "line_amount_types"]))
    assert stored[record["InvoiceID"]] == "Exclusive" * 5
    assert len(stored) == len(invoices)
    # A shorter limit later fits the wider column: accepted, nothing altered back.
    warehouse.ensure_tables([with_column("LineAmountTypes", length=10)])


def test_a_changed_column_type_is_refused_with_what_to_do(
        warehouse: SqlWarehouse, invoices_mapping: ObjectMapping,
        invoices: list[Record]) -> None:
    load_pages(warehouse, invoices_mapping, invoices)
    before = warehouse_data(warehouse, invoices_mapping, TENANT)
    retyped = with_column("Total", type="integer")

    with pytest.raises(ConfigurationError) as refused:
        warehouse.ensure_tables([retyped])

    message = str(refused.value)
    assert "column total of" in message
    assert str(INVOICES_YAML) in message
    assert f"declares it {warehouse.sql.sql_type(ColumnSpec('total', 'integer'))}" in message
    assert "new name" in message and "filled from _raw_json" in message
    assert warehouse_data(warehouse, invoices_mapping, TENANT) == before


def test_a_changed_key_is_refused_with_what_to_do(warehouse: SqlWarehouse) -> None:
    document = invoices_document()
    document["columns"][0]["name"] = "xero_invoice_id"
    rekeyed = parse_mapping(document, str(INVOICES_YAML), "invoices")

    with pytest.raises(ConfigurationError, match=r"invoices.*xero_invoice_id.*drop the table"):
        warehouse.ensure_tables([rekeyed])


def test_every_project_mapping_gets_its_tables(scratch: Scratch) -> None:
    mappings = load_mappings(ROOT / "include" / "mappings")
    warehouse = scratch.open()

    warehouse.ensure_tables(mappings)
    warehouse.ensure_tables(mappings)

    for mapping in mappings:
        for spec in mapping_tables(mapping):
            assert columns_of(warehouse, spec.name) == spec.names


def test_sqlite_keeps_decimals_dates_and_times_as_exact_text(
        tmp_path: Path, invoices_mapping: ObjectMapping, invoices: list[Record]) -> None:
    connection = sqlite3.connect(tmp_path / "types.db")
    warehouse = SqliteWarehouse(connection)
    warehouse.ensure_tables([invoices_mapping])
    warehouse.load(transform(invoices_mapping, TENANT, invoices[:5]), run(), None)

    types = connection.execute(
        'SELECT DISTINCT typeof(total), typeof(currency_rate), typeof("date"), '
        'typeof(updated_date_utc), typeof(is_deleted) FROM xero_invoices').fetchall()
    assert types == [("text", "text", "text", "text", "integer")]
    names = [row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    assert {"xero_invoices", "xero__sync_state", "xero__sync_runs", "xero__quarantine",
            "xero_invoice_line_item_tracking"} <= set(names)


def test_types_follow_design_decision_6(invoices_mapping: ObjectMapping) -> None:
    spec = parent_table(invoices_mapping)
    wanted = {"invoice_id": ("UNIQUEIDENTIFIER", "uuid", "TEXT"),
              "type": ("NVARCHAR(20)", "varchar(20)", "TEXT"),
              "reference": ("NVARCHAR(MAX)", "text", "TEXT"),
              "total": ("DECIMAL(19, 4)", "numeric(19, 4)", "TEXT"),
              "currency_rate": ("DECIMAL(28, 10)", "numeric(28, 10)", "TEXT"),
              "sent_to_contact": ("BIT", "boolean", "INTEGER"),
              "date": ("DATE", "date", "TEXT"),
              "updated_date_utc": ("DATETIME2(3)", "timestamp(3)", "TEXT"),
              "_raw_json": ("NVARCHAR(MAX)", "text", "TEXT")}
    for name, types in wanted.items():
        column = spec.column(name)
        assert tuple(d.sql_type(column) for d in (MSSQL, POSTGRES, SQLITE)) == types, name


def test_names_that_need_escaping_or_collide_are_refused(invoices_mapping: ObjectMapping) -> None:
    lines = invoices_mapping.children[0]
    clashing = replace(lines, columns=(*lines.columns, Column("InvoiceID", "invoice_id", "guid")))
    clash = replace(invoices_mapping, children=(clashing, *invoices_mapping.children[1:]))
    with pytest.raises(ConfigurationError, match=r"invoice_line_items.*invoice_id"):
        mapping_tables(clash)
    document = invoices_document()
    document["columns"].append({"source": "Reference", "name": "r" * 64, "type": "string"})
    with pytest.raises(ConfigurationError, match="at most 63"):
        parent_table(parse_mapping(document, "long.yaml", "invoices"))
    with pytest.raises(ConfigurationError, match="warehouse schema"):
        SqliteWarehouse(sqlite3.connect(":memory:"), 'xero"; DROP TABLE x; --')
