"""No single record stops an object's sync (issue 10, point 3), on every warehouse.

Each test sends one page Xero could send, with hostile records among good ones, through the
whole path a task takes: ``extract`` (paging, watermark, journal offset), ``transform``,
``load``. The good records land; each bad one is quarantined with a reason that names it and
its field; a change time that does not read never moves the watermark, and no bad record
holds it back.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest

from tests.warehouse.conftest import TENANT
from tests.warehouse.support import (
    Scratch,
    expected_rows,
    new_version,
    raw,
    run,
    table_rows,
    updated_at,
    warehouse_data,
    with_new_ids,
)
from xero_sync.client import ApiResponse, Limits
from xero_sync.extract import ExtractSpec, Page, extract
from xero_sync.mapping import ObjectMapping
from xero_sync.sync import SyncRequest, run_sync
from xero_sync.transform import transform
from xero_sync.warehouse.sqlbase import SqlWarehouse

Record = dict[str, Any]
HALF_AN_EMOJI = "\ud83d"  # the first UTF-16 unit of 😀, alone: what a cut-off string leaves


@dataclass
class Scripted:
    """Stands in for XeroClient: answers each GET with ``answer(params)`` as the body."""

    answer: Callable[[dict[str, Any]], Any]
    calls: list[dict[str, Any]] = field(default_factory=list)

    def get(self, resource: str, tenant_id: str, params: Any = None,
            modified_since: datetime | None = None, api: str = "accounting",
            collection: str | None = None) -> ApiResponse:
        self.calls.append(dict(params or {}))
        return ApiResponse(body=self.answer(dict(params or {})), limits=Limits())


@dataclass
class Source:
    """The PageSource of ``run_sync`` (the hook in production) over a scripted client."""

    client: Scripted

    def extract(self, spec: ExtractSpec, tenant_id: str, since: datetime | None = None,
                offset: int | None = None) -> Iterator[Page]:
        return extract(self.client, spec, tenant_id, since, offset)  # type: ignore[arg-type]


def one_page(collection: str, records: list[Any]) -> Scripted:
    return Scripted(lambda params: {collection: records})


def sync(warehouse: SqlWarehouse, mapping: ObjectMapping, client: Scripted) -> None:
    warehouse.ensure_tables([mapping])
    outcome = run_sync(Source(client), warehouse, SyncRequest(mapping, TENANT, "run-1"))
    assert outcome.status == "success"


def quarantine(warehouse: SqlWarehouse) -> dict[Any, tuple[str, str]]:
    """record_key -> (reason, raw_json)."""
    rows = table_rows(warehouse, "_quarantine", TENANT, ["record_key", "reason", "raw_json"])
    return {row[0]: (row[1], row[2]) for row in rows}


def test_half_an_emoji_quarantines_only_its_record_or_is_kept_escaped(
        scratch: Scratch, invoices_mapping: ObjectMapping, invoices: list[Record]) -> None:
    opened = scratch.open()
    good = with_new_ids(invoices[0])
    in_mapped = {**with_new_ids(invoices[1]), "Reference": f"Smile {HALF_AN_EMOJI}"}
    in_child = with_new_ids(next(r for r in invoices if r.get("LineItems")))
    in_child["LineItems"][0]["Description"] = f"cut {HALF_AN_EMOJI}"
    in_unmapped = {**with_new_ids(invoices[2]), "Note": f"not mapped {HALF_AN_EMOJI}!"}
    in_key = {**copy.deepcopy(invoices[3]), "InvoiceID": f"id{HALF_AN_EMOJI}"}

    sync(opened, invoices_mapping, one_page("Invoices",
                                            [good, in_mapped, in_child, in_unmapped, in_key]))

    assert table_rows(opened, "invoices", TENANT, ["invoice_id"]) == sorted(
        [(good["InvoiceID"],), (in_unmapped["InvoiceID"],)])
    stored = table_rows(opened, "invoices", TENANT, ["invoice_id", "_raw_json"])
    kept = dict(stored)[in_unmapped["InvoiceID"]]
    assert "\\ud83d" in kept  # the JSON escape Xero sent, which reads back as the same text
    assert json.loads(kept) == in_unmapped
    held = quarantine(opened)
    assert "Reference=" in held[in_mapped["InvoiceID"]][0]
    assert in_mapped["InvoiceID"] in held[in_mapped["InvoiceID"]][0]
    assert "surrogate" in held[in_mapped["InvoiceID"]][0]
    assert "Description=" in held[in_child["InvoiceID"]][0]
    assert "InvoiceID=" in held["id\\ud83d"][0]
    for key, record in ((in_mapped["InvoiceID"], in_mapped), ("id\\ud83d", in_key)):
        assert json.loads(held[key][1]) == record


def test_items_that_are_not_records_are_quarantined_by_position(
        scratch: Scratch, invoices_mapping: ObjectMapping, invoices: list[Record]) -> None:
    opened = scratch.open()
    good = [with_new_ids(invoices[0]), with_new_ids(invoices[1])]

    sync(opened, invoices_mapping,
         one_page("Invoices", [good[0], "an invoice?", None, [1, 2], good[1]]))

    assert warehouse_data(opened, invoices_mapping, TENANT) == expected_rows(
        invoices_mapping, TENANT, good)
    held = table_rows(opened, "_quarantine", TENANT, ["record_key", "reason", "raw_json"])
    assert sorted(held, key=repr) == sorted([
        (None, "item 1 of Invoices is str, not an object", '"an invoice?"'),
        (None, "item 2 of Invoices is null, not an object", "null"),
        (None, "item 3 of Invoices is list, not an object", "[1,2]"),
    ], key=repr)
    state = opened.read_state(invoices_mapping, TENANT)
    assert state.watermark_ts == max(updated_at(r) for r in good)


@pytest.mark.parametrize("bad", [
    "/Date(99999999999999999999+0000)/",  # overflows any calendar
    "/Date(253402300800000+0000)/",  # 10000-01-01: one past what DATETIME2 holds
    "yesterday",
    "2026-02-30T10:00:00",
])
def test_unreadable_change_times_are_quarantined_and_never_move_the_watermark(
        scratch: Scratch, invoices_mapping: ObjectMapping, invoices: list[Record],
        bad: str) -> None:
    opened = scratch.open()
    good = [with_new_ids(r) for r in invoices[:3]]
    late = {**with_new_ids(invoices[3]), "UpdatedDateUTC": bad}
    bad_date = {**with_new_ids(invoices[4]), "DueDate": "/Date(-99999999999999999999)/"}

    sync(opened, invoices_mapping, one_page("Invoices", [good[0], late, good[1], bad_date,
                                                         good[2]]))

    assert warehouse_data(opened, invoices_mapping, TENANT) == expected_rows(
        invoices_mapping, TENANT, good)
    held = quarantine(opened)
    assert "UpdatedDateUTC=" in held[late["InvoiceID"]][0]
    assert "DueDate=" in held[bad_date["InvoiceID"]][0]
    # A change time that reads counts, even of a record quarantined for another field (the
    # quarantine keeps it); one that does not read never moves the watermark.
    assert opened.read_state(invoices_mapping, TENANT).watermark_ts == max(
        updated_at(r) for r in [*good, bad_date])


def test_journals_without_a_whole_number_are_quarantined_and_the_offset_moves_past_the_rest(
        scratch: Scratch, journals_mapping: ObjectMapping, journals: list[Record]) -> None:
    opened = scratch.open()
    bad = {10: None, 50: "51", 99: 12.5}  # positions in the first batch; 99 is its last
    for position, value in bad.items():
        if value is None:
            del journals[position]["JournalNumber"]
        else:
            journals[position]["JournalNumber"] = value
    last_good_of_first = journals[98]["JournalNumber"]

    def answer(params: dict[str, Any]) -> dict[str, Any]:
        offset = int(params["offset"])
        if offset == 0:
            return {"Journals": journals[:100]}
        return {"Journals": [j for j in journals[100:] if j["JournalNumber"] > offset][:100]}

    client = Scripted(answer)
    sync(opened, journals_mapping, client)

    assert [c["offset"] for c in client.calls[:2]] == ["0", str(last_good_of_first)]
    good = [j for p, j in enumerate(journals) if p not in bad]
    assert table_rows(opened, "journals", TENANT, ["journal_id"]) == sorted(
        (j["JournalID"],) for j in good)
    held = quarantine(opened)
    assert {journals[p]["JournalID"] for p in bad} == set(held)
    assert all("JournalNumber=" in reason for reason, _ in held.values())
    state = opened.read_state(journals_mapping, TENANT)
    assert state.watermark_int == journals[-1]["JournalNumber"]


def test_the_newest_copy_of_a_record_wins_within_a_batch(
        scratch: Scratch, invoices_mapping: ObjectMapping, invoices: list[Record]) -> None:
    opened = scratch.open()
    opened.ensure_tables([invoices_mapping])
    first = with_new_ids(invoices[0])
    newer = new_version(first, Reference="newer", LineItems=first["LineItems"][:1])
    tie_a = with_new_ids(invoices[1])
    tie_b = {**copy.deepcopy(tie_a), "Reference": "the later of two equally new copies"}
    no_time = {k: v for k, v in with_new_ids(invoices[2]).items() if k != "UpdatedDateUTC"}
    timed = {**copy.deepcopy(no_time), "UpdatedDateUTC": invoices[2]["UpdatedDateUTC"],
             "Reference": "the copy with a change time"}

    # The newer copy first, then the older; a change time beats none, wherever it comes.
    batch = transform(invoices_mapping, TENANT, [newer, tie_a, timed, first, tie_b, no_time])
    counts = opened.load(batch, run(), None)

    assert counts.inserted == 3
    assert warehouse_data(opened, invoices_mapping, TENANT) == expected_rows(
        invoices_mapping, TENANT, [newer, tie_b, timed])
    assert raw(newer) in {row[0] for row in table_rows(opened, "invoices", TENANT,
                                                       ["_raw_json"])}



@pytest.mark.parametrize(("name", "bad", "reason"), [
    ("Contact", "not-an-object", "Contact.ContactID: Contact='not-an-object' is str, expected "
                                 "an object holding ContactID (or null)"),
    ("Contact", 0, "Contact.ContactID: Contact=0 is int"),
    ("Contact", [], "Contact.ContactID: Contact=[] is list"),
    ("LineItems", {}, "LineItems={}: dict, expected a list of objects (or null for none)"),
    ("LineItems", "", "LineItems='': str, expected a list"),
    ("LineItems", 0, "LineItems=0: int, expected a list"),
    ("LineItems", False, "LineItems=False: bool, expected a list"),
], ids=["Contact-text", "Contact-0", "Contact-list", "LineItems-dict", "LineItems-text",
        "LineItems-0", "LineItems-false"])
def test_a_nested_object_or_child_list_of_another_shape_is_quarantined(
        invoices_mapping: ObjectMapping, invoices: list[Record], name: str, bad: Any,
        reason: str) -> None:
    """Reading through text as if it were a missing object (NULL), or {} as no lines, would
    store a record Xero sent in a shape the mapping does not expect; only null or absent means
    none."""
    wrong = {**with_new_ids(invoices[0]), name: bad}
    null = {**with_new_ids(invoices[1]), name: None}
    absent = {k: v for k, v in with_new_ids(invoices[2]).items() if k != name}

    batch = transform(invoices_mapping, TENANT, [wrong, null, absent])

    assert [q.record_key for q in batch.quarantined] == [wrong["InvoiceID"]]
    assert batch.quarantined[0].reason.startswith(f"InvoiceID {wrong['InvoiceID']!r}: {reason}")
    assert batch.keys == [null["InvoiceID"], absent["InvoiceID"]]
    if name == "Contact":
        assert list(batch.parent["contact_id"]) == [None, None]
    else:
        assert batch.children["invoice_line_items"].empty
