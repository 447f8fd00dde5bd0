"""Loads on SQLite and PostgreSQL: pages, reloads, newer-wins, deletes, snapshots, state.

Every test compares what the tables hold with what ``transform`` makes of the source records
(``expected_rows``), so "stored exactly" means value for value, children included.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.warehouse.conftest import TENANT
from tests.warehouse.support import (
    Budget,
    FailingConnection,
    InjectedFailure,
    Scratch,
    expected_rows,
    ms_date,
    new_version,
    raw,
    run,
    state_after,
    table_rows,
    updated_at,
    warehouse_data,
)
from xero_sync.mapping import ObjectMapping
from xero_sync.transform import transform
from xero_sync.warehouse.base import LoadCounts, SyncRun, SyncState, WarehouseError
from xero_sync.warehouse.sqlbase import SqlWarehouse

Record = dict[str, Any]


def pages(records: list[Record], size: int) -> list[list[Record]]:
    """Records cut into pages of ``size``."""
    return [records[i:i + size] for i in range(0, len(records), size)]


def load_pages(warehouse: SqlWarehouse, mapping: ObjectMapping, records: list[Record],
               run_id: str = "run-1", size: int = 20) -> LoadCounts:
    """Load records page by page, each page with its watermark; the summed counts."""
    total = LoadCounts()
    for page in pages(records, size):
        total.add(warehouse.load(transform(mapping, TENANT, page), run(run_id),
                                 state_after(mapping, TENANT, page)))
    return total


def with_items(records: list[Record], status: str | None = None) -> Record:
    """The first invoice with two or more line items, one of them tracked."""
    for record in records:
        items = record.get("LineItems") or []
        if len(items) >= 2 and any(item.get("Tracking") for item in items) and (
                status is None or record["Status"] == status):
            return record
    raise AssertionError("the sandbox organisation has no such invoice")


def test_pages_of_invoices_load_with_children(warehouse: SqlWarehouse,
                                              invoices_mapping: ObjectMapping,
                                              invoices: list[Record]) -> None:
    counts = load_pages(warehouse, invoices_mapping, invoices)

    expected = expected_rows(invoices_mapping, TENANT, invoices)
    assert warehouse_data(warehouse, invoices_mapping, TENANT) == expected
    assert counts.inserted == len(invoices)
    assert (counts.updated, counts.unchanged, counts.quarantined) == (0, 0, 0)
    assert counts.child_rows == sum(len(expected[c.table])
                                    for c in invoices_mapping.all_children())
    assert len(expected["invoice_line_items"]) > len(invoices)
    assert expected["invoice_line_item_tracking"]
    assert counts.deleted == sum(1 for r in invoices if r["Status"] in ("VOIDED", "DELETED"))
    state = warehouse.read_state(invoices_mapping, TENANT)
    assert state.watermark_ts == max(updated_at(r) for r in invoices)
    assert state.last_run_id == "run-1"
    loaded = table_rows(warehouse, "invoices", TENANT, ["_loaded_at", "_run_id"])
    assert set(loaded) == {("2026-01-02 03:04:05.678", "run-1")}


def test_loading_again_changes_nothing(warehouse: SqlWarehouse, invoices_mapping: ObjectMapping,
                                       invoices: list[Record]) -> None:
    load_pages(warehouse, invoices_mapping, invoices)
    tables = ["invoices", *(c.table for c in invoices_mapping.all_children())]
    before = {name: table_rows(warehouse, name, TENANT) for name in tables}

    counts = load_pages(warehouse, invoices_mapping, invoices, run_id="run-2")

    assert counts == LoadCounts(unchanged=len(invoices))
    after = {name: table_rows(warehouse, name, TENANT) for name in tables}
    assert {n: len(rows) for n, rows in after.items()} == {n: len(r) for n, r in before.items()}
    for name in tables[1:]:
        assert after[name] == before[name]  # children untouched, _loaded_at and _run_id too
    # Parents: only _run_id moves ("seen by run-2", which a full snapshot relies on).
    columns = [c for c in warehouse_columns(warehouse, "invoices") if c != "_run_id"]
    assert table_rows(warehouse, "invoices", TENANT, columns) == sorted(
        (row[:-1] for row in before["invoices"]), key=repr)
    assert set(table_rows(warehouse, "invoices", TENANT, ["_run_id"])) == {("run-2",)}


def warehouse_columns(warehouse: SqlWarehouse, table: str) -> list[str]:
    """A table's column names (from a SELECT's description)."""
    cursor = warehouse.connection.cursor()
    cursor.execute(f"SELECT * FROM {warehouse.table(table)} WHERE 1 = 0")  # noqa: S608
    names = [column[0] for column in cursor.description]
    warehouse.connection.commit()
    return names


def test_an_older_version_never_overwrites_a_newer_one(warehouse: SqlWarehouse,
                                                       invoices_mapping: ObjectMapping,
                                                       invoices: list[Record]) -> None:
    older = with_items(invoices)
    items = older["LineItems"]
    newer = new_version(older, Reference="changed later",
                        LineItems=[{**items[0], "Description": "edited line"}])
    warehouse.load(transform(invoices_mapping, TENANT, [newer]), run("run-new"), None)

    counts = warehouse.load(transform(invoices_mapping, TENANT, [older]), run("run-old"), None)

    assert counts == LoadCounts(unchanged=1)
    assert warehouse_data(warehouse, invoices_mapping, TENANT) == expected_rows(
        invoices_mapping, TENANT, [newer])
    newest = new_version(newer, Reference="newest")
    counts = warehouse.load(transform(invoices_mapping, TENANT, [newest]), run("run-3"), None)
    assert (counts.updated, counts.child_rows) == (1, 1 + len(items[0].get("Tracking") or []))
    assert warehouse_data(warehouse, invoices_mapping, TENANT) == expected_rows(
        invoices_mapping, TENANT, [newest])


def test_a_version_stamped_beyond_xeros_clock_yields_to_the_next_one(
        warehouse: SqlWarehouse, invoices_mapping: ObjectMapping,
        invoices: list[Record]) -> None:
    """A stored change time past the load's clock plus the skew (bad data: 9999-12-31, a clock
    far ahead) is never "newer": Xero's correction, stamped now, replaces it. Within the skew
    newer-wins holds as ever."""
    now = datetime(2026, 1, 2, 3, 4, 5)
    record = invoices[0]
    future = {**record, "UpdatedDateUTC": ms_date(now + timedelta(days=1)), "Reference": "ahead"}
    corrected = {**record, "UpdatedDateUTC": ms_date(now), "Reference": "corrected"}
    warehouse.load(transform(invoices_mapping, TENANT, [future]), run("run-1", now), None)

    counts = warehouse.load(transform(invoices_mapping, TENANT, [corrected]), run("run-2", now),
                            None)

    assert counts.updated == 1
    assert warehouse_data(warehouse, invoices_mapping, TENANT) == expected_rows(
        invoices_mapping, TENANT, [corrected])
    slightly_ahead = {**record, "UpdatedDateUTC": ms_date(now + timedelta(minutes=4)),
                      "Reference": "a clock 4 minutes fast"}
    warehouse.load(transform(invoices_mapping, TENANT, [slightly_ahead]), run("run-3", now), None)
    counts = warehouse.load(transform(invoices_mapping, TENANT, [corrected]), run("run-4", now),
                            None)
    assert counts == LoadCounts(unchanged=1)
    assert warehouse_data(warehouse, invoices_mapping, TENANT) == expected_rows(
        invoices_mapping, TENANT, [slightly_ahead])


def test_same_timestamp_with_different_content_is_applied(warehouse: SqlWarehouse,
                                                          invoices_mapping: ObjectMapping,
                                                          invoices: list[Record]) -> None:
    first = invoices[0]
    edited = new_version(first, seconds=0, Reference="same second, new text")
    warehouse.load(transform(invoices_mapping, TENANT, [first]), run(), None)

    counts = warehouse.load(transform(invoices_mapping, TENANT, [edited]), run("run-2"), None)

    assert counts.updated == 1
    assert table_rows(warehouse, "invoices", TENANT, ["reference"]) == [
        ("same second, new text",)]


def test_a_voided_invoice_is_marked_deleted_and_keeps_its_last_state(
        warehouse: SqlWarehouse, invoices_mapping: ObjectMapping,
        invoices: list[Record]) -> None:
    authorised = with_items(invoices, "AUTHORISED")
    voided = new_version(authorised, Status="VOIDED", AmountDue=0.0)
    warehouse.load(transform(invoices_mapping, TENANT, [authorised]), run(), None)

    counts = warehouse.load(transform(invoices_mapping, TENANT, [voided]), run("run-2"), None)

    assert (counts.updated, counts.deleted) == (1, 1)
    rows = table_rows(warehouse, "invoices", TENANT, ["status", "is_deleted", "_raw_json"])
    assert rows == [("VOIDED", 1, raw(voided))]
    assert '"Status":"VOIDED"' in rows[0][2]
    assert warehouse_data(warehouse, invoices_mapping, TENANT) == expected_rows(
        invoices_mapping, TENANT, [voided])


def test_duplicate_keys_in_a_batch_the_last_wins(warehouse: SqlWarehouse,
                                                 invoices_mapping: ObjectMapping,
                                                 invoices: list[Record]) -> None:
    first = with_items(invoices)
    other = next(r for r in invoices if r["InvoiceID"] != first["InvoiceID"])
    second = new_version(first, LineItems=first["LineItems"][1:], Reference="second copy")
    batch = transform(invoices_mapping, TENANT, [first, other, second])

    counts = warehouse.load(batch, run(), None)

    assert counts.inserted == 2
    assert warehouse_data(warehouse, invoices_mapping, TENANT) == expected_rows(
        invoices_mapping, TENANT, [other, second])


def test_the_watermark_never_moves_back(warehouse: SqlWarehouse,
                                        invoices_mapping: ObjectMapping,
                                        invoices: list[Record]) -> None:
    late, early = datetime(2026, 3, 1, 12, 0, 0, 123000), datetime(2025, 1, 1)

    def load(ts: datetime | None, number: int | None, run_id: str) -> SyncState:
        state = SyncState(invoices_mapping.name, TENANT, ts, number)
        warehouse.load(transform(invoices_mapping, TENANT, invoices[:1]), run(run_id), state)
        return warehouse.read_state(invoices_mapping, TENANT)

    assert load(late, 500, "run-1").watermark_ts == late
    moved_back = load(early, 20, "run-2")
    assert (moved_back.watermark_ts, moved_back.watermark_int) == (late, 500)
    assert moved_back.last_run_id == "run-2"
    kept = load(None, None, "run-3")
    assert (kept.watermark_ts, kept.watermark_int) == (late, 500)
    later = late + timedelta(milliseconds=1)
    assert load(later, 501, "run-4").watermark_ts == later


def test_a_full_snapshot_marks_missing_rows_deleted(warehouse: SqlWarehouse,
                                                    invoices_mapping: ObjectMapping,
                                                    invoices: list[Record]) -> None:
    live = [r for r in invoices if r["Status"] not in ("VOIDED", "DELETED")][:10]
    load_pages(warehouse, invoices_mapping, live)
    gone = live[0]
    unreadable = {**live[1], "Total": "not a number"}  # still in Xero, refused by transform
    snapshot = [unreadable, *live[2:]]
    state = state_after(invoices_mapping, TENANT, live)

    snapshot_run = run("run-2", snapshot=True)
    warehouse.load(transform(invoices_mapping, TENANT, snapshot), snapshot_run, None)
    marked = warehouse.mark_missing_deleted(invoices_mapping, TENANT, snapshot_run, state)

    assert marked == 1
    flags = dict(table_rows(warehouse, "invoices", TENANT, ["invoice_id", "is_deleted"]))
    assert flags == {r["InvoiceID"]: int(r is gone) for r in live}
    assert warehouse.read_state(invoices_mapping, TENANT).watermark_ts == state.watermark_ts
    quarantine = table_rows(warehouse, "_quarantine", TENANT, ["record_key", "reason"])
    assert quarantine[0][0] == live[1]["InvoiceID"]
    assert "Total" in quarantine[0][1]
    again = run("run-3", snapshot=True)
    back = warehouse.load(transform(invoices_mapping, TENANT, live), again, None)
    assert back.updated == 1  # the row comes back undeleted
    assert warehouse.mark_missing_deleted(invoices_mapping, TENANT, again, None) == 0
    assert warehouse_data(warehouse, invoices_mapping, TENANT) == expected_rows(
        invoices_mapping, TENANT, live)


def test_a_failed_load_stores_nothing(scratch: Scratch, warehouse: SqlWarehouse,
                                      invoices_mapping: ObjectMapping,
                                      invoices: list[Record]) -> None:
    budget = Budget(fail_at=6)  # inside the batch, after the parents were merged
    failing = scratch.open(lambda connection: FailingConnection(connection, budget))
    batch = transform(invoices_mapping, TENANT, invoices[:20])

    with pytest.raises(InjectedFailure):
        failing.load(batch, run(), state_after(invoices_mapping, TENANT, invoices[:20]))

    assert budget.fired
    assert all(not rows for rows in warehouse_data(warehouse, invoices_mapping, TENANT).values())
    assert warehouse.read_state(invoices_mapping, TENANT).watermark_ts is None
    assert failing.load(batch, run(), None).inserted == 20  # the connection is still usable


def test_a_database_error_names_the_table_and_rolls_back(warehouse: SqlWarehouse,
                                                         invoices_mapping: ObjectMapping,
                                                         invoices: list[Record]) -> None:
    cursor = warehouse.connection.cursor()
    cursor.execute(f"DROP TABLE {warehouse.table('invoice_payments')}")
    warehouse.connection.commit()
    batch = transform(invoices_mapping, TENANT, invoices)

    with pytest.raises(WarehouseError, match="invoices") as raised:
        warehouse.load(batch, run(), state_after(invoices_mapping, TENANT, invoices))

    assert "rolled back" in str(raised.value)
    assert table_rows(warehouse, "invoices", TENANT) == []
    assert warehouse.read_state(invoices_mapping, TENANT).watermark_ts is None


def test_runs_are_recorded(warehouse: SqlWarehouse) -> None:
    counts = LoadCounts(inserted=3, updated=2, unchanged=1, deleted=1, child_rows=9,
                        quarantined=1)
    started = datetime(2026, 1, 2, 3, 0, 0)
    for status, error in (("success", None), ("failed", "DayLimitReached: ' quote")):
        warehouse.record_run(SyncRun("run-1", "invoices", TENANT, started,
                                     started + timedelta(seconds=5), status, 4, 2, counts,
                                     error))

    rows = table_rows(warehouse, "_sync_runs", TENANT,
                      ["status", "calls", "pages", "inserted", "child_rows", "error",
                       "finished_at"])
    assert rows == [("failed", 4, 2, 3, 9, "DayLimitReached: ' quote", "2026-01-02 03:00:05.000"),
                    ("success", 4, 2, 3, 9, None, "2026-01-02 03:00:05.000")]


def test_a_state_of_another_object_is_refused(warehouse: SqlWarehouse,
                                              invoices_mapping: ObjectMapping,
                                              invoices: list[Record]) -> None:
    wrong = SyncState("contacts", TENANT, datetime(2026, 1, 1))
    with pytest.raises(Exception, match="contacts"):
        warehouse.load(transform(invoices_mapping, TENANT, invoices[:1]), run(), wrong)
