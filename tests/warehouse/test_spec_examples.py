"""Every record of Xero's own API examples lands (issue 10, point 6), on every warehouse.

``xero_spec_examples.json`` holds the 200-response examples of Xero's OpenAPI spec for every
collection a mapping reads (``tools/spec_examples.py`` collects them). Among them are credit
notes, overpayments and prepayments whose line items have no LineItemID and allocations
without AllocationID: children keyed by their position in the parent, they land with the rest.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.warehouse.support import Scratch, expected_rows, run, table_rows, warehouse_data
from xero_sync.mapping import ObjectMapping, load_mappings
from xero_sync.transform import transform

HERE = Path(__file__).resolve().parent
DOCUMENT = json.loads((HERE / "xero_spec_examples.json").read_text(encoding="utf-8"))
EXAMPLES: list[dict[str, Any]] = DOCUMENT["examples"]
MAPPINGS = {m.collection: m for m in load_mappings(HERE.parents[1] / "include" / "mappings")
            if m.api == "accounting"}
# Children Xero's examples send without their own id.
WITHOUT_IDS = {("credit_note_line_items", "line_item_id"),
               ("overpayment_line_items", "line_item_id"),
               ("prepayment_line_items", "line_item_id"),
               ("overpayment_allocations", "allocation_id"),
               ("prepayment_allocations", "allocation_id")}


def tenant_of(example: dict[str, Any]) -> str:
    """One organisation per example, so each is compared on its own."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{example['operation']} {example['collection']}"))


def test_the_examples_cover_every_accounting_mapping() -> None:
    assert {e["collection"] for e in EXAMPLES} == set(MAPPINGS)
    assert DOCUMENT["license"] == "MIT"


@pytest.mark.parametrize("example", EXAMPLES,
                         ids=[f"{e['operation']} {e['collection']}" for e in EXAMPLES])
def test_no_example_record_is_quarantined(example: dict[str, Any]) -> None:
    batch = transform(MAPPINGS[example["collection"]], tenant_of(example), example["records"])
    assert [q.reason for q in batch.quarantined] == []


def test_every_example_record_lands_children_without_ids_too(scratch: Scratch) -> None:
    warehouse = scratch.open()
    mappings: list[ObjectMapping] = list(MAPPINGS.values())
    warehouse.ensure_tables(mappings)

    for example in EXAMPLES:
        mapping, tenant = MAPPINGS[example["collection"]], tenant_of(example)
        counts = warehouse.load(transform(mapping, tenant, example["records"]), run(), None)
        assert counts.quarantined == 0, example["operation"]
        assert warehouse_data(warehouse, mapping, tenant) == expected_rows(
            mapping, tenant, example["records"]), example["operation"]

    for table, id_column in WITHOUT_IDS:
        ids = [row[0] for row in table_rows(warehouse, table, None, [id_column])]
        assert None in ids, f"{table} holds no row without {id_column}"
