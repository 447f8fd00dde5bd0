"""The sandbox's realistic records go through every mapping whole: nothing quarantined, no
column that never fills (a misspelt source), no child table left empty when Xero sends it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

from tests.mappings.conftest import OBJECTS, Record
from xero_sandbox.endpoints import find
from xero_sandbox.store import View, shape
from xero_sync.mapping import ChildTable, ObjectMapping
from xero_sync.transform import Batch, transform

# Fields Xero documents (xero-api.md sections 8 and 9) that the sandbox never generates. They
# are mapped on purpose, so they cannot be checked against data here; each is checked to be
# empty instead, so this list shrinks as the sandbox learns them.
NOT_GENERATED: dict[str, set[str]] = {
    "contacts": {"purchases_default_account_code", "purchases_default_line_amount_type"},
    "contact_addresses": {"address_line3", "address_line4"},
    "credit_notes": {"sent_to_contact"},
    "credit_note_allocations": {"allocation_deleted"},
    "employee_bank_accounts": {"amount"},
    "invoice_line_items": {"discount_amount"},
    "organisation_addresses": {"address_line2", "address_line3", "address_line4",
                               "attention_to"},
    "overpayments": {"reference"},
    "overpayment_allocations": {"allocation_deleted"},
    "payments": {"prepayment_id", "overpayment_id"},
    "prepayment_allocations": {"allocation_deleted"},
    "purchase_orders": {"total_discount"},
    "purchase_order_line_items": {"discount_rate"},
    "quote_line_items": {"discount_amount"},
    "repeating_invoice_line_items": {"discount_rate"},
}
# Collections Xero documents that the sandbox never fills: their tables must stay empty here.
NEVER_FILLED = {
    "bank_transfer_to_tracking", "contact_purchases_tracking_categories", "overpayment_payments",
    "overpayment_line_item_tracking", "prepayment_payments", "prepayment_line_item_tracking",
}


def served(mapping: ObjectMapping, organisation: dict[str, list[Record]]) -> list[Record]:
    """The records as the strategy reads them: the list (detail only when paged), or each
    record by id where the mapping reads each by id."""
    endpoint = find(mapping.api, mapping.resource)
    assert endpoint is not None
    view = View(detail=mapping.paging != "none", one=mapping.read_each_by_id)
    return [shape(record, endpoint, view) for record in organisation[endpoint.key]]


@pytest.fixture(scope="module")
def batches(mappings: dict[str, ObjectMapping],
            organisations: dict[str, dict[str, list[Record]]]) -> dict[str, list[Batch]]:
    """Every mapping's batches, one per organisation."""
    return {name: [transform(mapping, tenant_id, served(mapping, organisation))
                   for tenant_id, organisation in organisations.items()]
            for name, mapping in mappings.items()}


def frame(batches: list[Batch], table: str) -> pd.DataFrame:
    parts = [b.parent if b.mapping.table == table else b.children[table] for b in batches]
    return pd.concat(parts, ignore_index=True)


def items_at(records: list[Record], path: list[ChildTable]) -> Iterator[Any]:
    """The elements of a nested collection, following child tables down from the records."""
    level: list[Any] = records
    for child in path:
        level = [item for record in level if isinstance(record, dict)
                 for item in record.get(child.source) or []]
    yield from level


def chain_to(mapping: ObjectMapping, target: ChildTable) -> list[ChildTable]:
    for child in mapping.children:
        if child is target:
            return [child]
        if target in child.children:
            return [child, target]
    raise AssertionError(f"{target.table} is not a table of {mapping.name}")


@pytest.mark.parametrize("name", OBJECTS)
def test_no_record_is_quarantined(batches: dict[str, list[Batch]], name: str) -> None:
    reasons = [q.reason for batch in batches[name] for q in batch.quarantined]
    assert reasons == []


@pytest.mark.parametrize("name", OBJECTS)
def test_every_record_becomes_a_row(batches: dict[str, list[Batch]],
                                    organisations: dict[str, dict[str, list[Record]]],
                                    name: str) -> None:
    mapping = batches[name][0].mapping
    sent = sum(len(organisation[mapping.collection]) for organisation in organisations.values())
    assert sent > 0
    assert len(frame(batches[name], mapping.table)) == sent


@pytest.mark.parametrize("name", OBJECTS)
def test_every_column_fills_in_some_row(batches: dict[str, list[Batch]], name: str) -> None:
    mapping = batches[name][0].mapping
    tables = [(mapping.table, mapping.columns)] + [
        (c.table, c.columns) for c in mapping.all_children() if c.table not in NEVER_FILLED]
    for table, columns in tables:
        data = frame(batches[name], table)
        for column in columns:
            filled = bool(data[column.name].notna().any())
            expected = column.name not in NOT_GENERATED.get(table, set())
            assert filled == expected, f"{table}.{column.name} ({column.source}) filled={filled}"


@pytest.mark.parametrize("name", OBJECTS)
def test_child_tables_get_rows_wherever_xero_sends_the_collection(
        batches: dict[str, list[Batch]], organisations: dict[str, dict[str, list[Record]]],
        name: str) -> None:
    mapping = batches[name][0].mapping
    for child in mapping.all_children():
        path = chain_to(mapping, child)
        sent = sum(1 for organisation in organisations.values()
                   for _ in items_at(served(mapping, organisation), path))
        rows = len(frame(batches[name], child.table))
        assert rows == sent, f"{child.table}: {rows} rows from {sent} elements"
        assert (sent == 0) == (child.table in NEVER_FILLED), child.table


def test_deleted_statuses_mark_rows_deleted(batches: dict[str, list[Batch]]) -> None:
    for name, found in batches.items():
        mapping = found[0].mapping
        data = frame(found, mapping.table)
        if not mapping.deleted_values:
            assert not data["is_deleted"].any(), name
            continue
        status = next(c.name for c in mapping.columns if c.source == mapping.deleted_field)
        assert (data["is_deleted"] == data[status].isin(mapping.deleted_values)).all(), name
