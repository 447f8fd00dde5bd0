"""The fault-injection suite's comparison counts what it claims to: each kind of damage done
to a warehouse that equals the truth is counted exactly once, under the right name. Without
this, a suite reporting "0 lost, 0 duplicated" could simply be blind."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from faults.compare import Deployment, Expectation, Ledger, Tally, compare, compare_parents
from faults.worker import MAPPINGS
from tests.e2e.support import expected_child_rows, iter_children, visible_truth
from tests.faults.conftest import Synced

INCREMENTAL = Expectation(snapshot=False, blind_spots=False)
SNAPSHOT = Expectation(snapshot=True, blind_spots=True)


def _compare(synced: Synced, deployment: Deployment, expect: Expectation = SNAPSHOT,
             ledger: Ledger | None = None) -> Tally:
    return compare(synced.sandbox, deployment, list(MAPPINGS.values()), ledger or Ledger(),
                   expect)


def _execute(deployment: Deployment, sql: str, *params: Any) -> None:
    with sqlite3.connect(deployment.warehouse_location) as db:
        assert db.execute(sql, params).rowcount == 1, sql


def _one(deployment: Deployment, sql: str) -> dict[str, Any]:
    with sqlite3.connect(deployment.warehouse_location) as db:
        db.row_factory = sqlite3.Row
        return dict(db.execute(sql).fetchone())


def _insert_copy(deployment: Deployment, table: str, row: dict[str, Any]) -> None:
    names = ", ".join(f'"{n}"' for n in row)
    marks = ", ".join("?" for _ in row)
    sql = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'  # noqa: S608 - test tables
    _execute(deployment, sql, *row.values())


def test_a_clean_warehouse_is_clean_and_every_row_is_counted(synced: Synced,
                                                             tmp_path: Path) -> None:
    tally = _compare(synced, synced.copy(tmp_path))
    assert tally.clean and not tally.problems, tally.problems
    expected = 0
    for mapping in MAPPINGS.values():
        for tenant in synced.sandbox.state.tenant_names:
            truth = visible_truth(synced.sandbox, mapping, tenant)
            expected += len(truth)
            for child, parent in iter_children(mapping):
                records = truth if parent is None else [
                    item for r in truth for item in (r.get(parent.source) or [])]
                expected += expected_child_rows(records, child)
    assert tally.compared == expected


def test_a_missing_parent_and_a_missing_child_row_are_two_lost(synced: Synced,
                                                               tmp_path: Path) -> None:
    deployment = synced.copy(tmp_path)
    _execute(deployment, "DELETE FROM xero_invoices WHERE rowid = (SELECT MIN(rowid) "
                         "FROM xero_invoices)")
    _execute(deployment, "DELETE FROM xero_invoice_line_items WHERE rowid = (SELECT MIN(rowid) "
                         "FROM xero_invoice_line_items)")
    tally = _compare(synced, deployment)
    assert (tally.lost, tally.duplicated, tally.extra, tally.mismatched) == (2, 0, 0, 0)


def test_surplus_and_orphaned_child_rows_are_duplicated(synced: Synced, tmp_path: Path) -> None:
    deployment = synced.copy(tmp_path)
    line = _one(deployment, "SELECT * FROM xero_invoice_line_items LIMIT 1")
    _insert_copy(deployment, "xero_invoice_line_items",
                 {**line, "line_item_id": "00000000-0000-4000-8000-000000000001"})
    _insert_copy(deployment, "xero_invoice_line_items",
                 {**line, "invoice_id": "00000000-0000-4000-8000-000000000002"})
    tally = _compare(synced, deployment)
    assert (tally.lost, tally.duplicated, tally.extra, tally.mismatched) == (0, 2, 0, 0)


def test_a_duplicate_key_is_duplicated(synced: Synced) -> None:
    mapping = MAPPINGS["currencies"]
    tenant = next(iter(synced.sandbox.state.tenant_names))
    truth = visible_truth(synced.sandbox, mapping, tenant)
    rows = [{mapping.key_column: r[mapping.primary_key], "is_deleted": False} for r in truth]
    tally = compare_parents(mapping, truth, [*rows, rows[0]], set(), SNAPSHOT)
    assert (tally.lost, tally.duplicated) == (0, 1)


def test_a_row_xero_never_had_is_extra(synced: Synced, tmp_path: Path) -> None:
    deployment = synced.copy(tmp_path)
    row = _one(deployment, "SELECT * FROM xero_contacts LIMIT 1")
    _insert_copy(deployment, "xero_contacts",
                 {**row, "contact_id": "00000000-0000-4000-8000-000000000003"})
    tally = _compare(synced, deployment)
    assert (tally.lost, tally.duplicated, tally.extra, tally.mismatched) == (0, 0, 1, 0)


def test_wrong_money_and_a_live_row_unmarked_are_mismatched_a_live_row_marked_is_deleted(
        synced: Synced, tmp_path: Path) -> None:
    deployment = synced.copy(tmp_path)
    _execute(deployment, "UPDATE xero_invoices SET total = total + 1 WHERE rowid = (SELECT "
                         "MIN(rowid) FROM xero_invoices WHERE total IS NOT NULL)")
    _execute(deployment, "UPDATE xero_invoices SET is_deleted = 0 WHERE rowid = (SELECT "
                         "MIN(rowid) FROM xero_invoices WHERE is_deleted = 1)")
    _execute(deployment, "UPDATE xero_payments SET is_deleted = 1 WHERE rowid = (SELECT "
                         "MIN(rowid) FROM xero_payments WHERE is_deleted = 0)")
    tally = _compare(synced, deployment)
    assert (tally.lost, tally.duplicated, tally.extra, tally.mismatched, tally.deleted,
            tally.stuck) == (0, 0, 0, 2, 1, 0)
    assert not tally.clean


def test_a_good_record_waiting_in_quarantine_is_stuck_a_held_one_is_not(
        synced: Synced, tmp_path: Path) -> None:
    """A record Xero serves as good must not wait in quarantine; a hostile one the trial made
    must wait there, its last version kept; one Xero no longer has may wait."""
    deployment = synced.copy(tmp_path)
    invoice = _one(deployment, "SELECT * FROM xero_invoices LIMIT 1")
    key, tenant = invoice["invoice_id"], invoice["tenant_id"]
    held = frozenset({("invoices", tenant, key)})
    assert _compare(synced, deployment, Expectation(True, True, held)).stuck == 1  # not there
    _insert_copy(deployment, "xero__quarantine", {
        "tenant_id": tenant, "object": "invoices", "record_key": key, "reason": "test",
        "raw_json": "{}", "run_id": "test", "quarantined_at": "2026-01-01 00:00:00"})
    _insert_copy(deployment, "xero__quarantine", {
        "tenant_id": tenant, "object": "invoices", "record_key": "gone-from-xero",
        "reason": "test", "raw_json": "{}", "run_id": "test",
        "quarantined_at": "2026-01-01 00:00:00"})
    assert _compare(synced, deployment, Expectation(True, True, held)).clean
    stuck = _compare(synced, deployment)
    assert (stuck.stuck, stuck.lost, stuck.deleted) == (1, 0, 0)
    assert not stuck.clean


def test_a_blind_spot_is_only_compared_after_a_snapshot(synced: Synced, tmp_path: Path) -> None:
    deployment = synced.copy(tmp_path)
    _execute(deployment, "UPDATE xero_contacts SET receivable_outstanding = "
                         "12345 WHERE rowid = (SELECT MIN(rowid) FROM xero_contacts)")
    assert _compare(synced, deployment, INCREMENTAL).clean
    assert _compare(synced, deployment, SNAPSHOT).mismatched == 1


def test_rows_xero_hard_deleted_wait_for_a_snapshot_that_marks_them(synced: Synced,
                                                                   tmp_path: Path) -> None:
    """A row the truth once had: allowed for objects Xero hard-deletes until a snapshot, which
    must mark it deleted; for other objects it is extra."""
    deployment = synced.copy(tmp_path)
    items, invoices = MAPPINGS["items"], MAPPINGS["invoices"]
    ledger = Ledger()
    _compare(synced, deployment, ledger=ledger)  # the ledger learns today's keys
    item = _one(deployment, "SELECT * FROM xero_items LIMIT 1")
    invoice = _one(deployment, "SELECT * FROM xero_invoices LIMIT 1")
    gone_item = {**item, "item_id": "00000000-0000-4000-8000-000000000004"}
    gone_invoice = {**invoice, "invoice_id": "00000000-0000-4000-8000-000000000005"}
    _insert_copy(deployment, "xero_items", gone_item)
    _insert_copy(deployment, "xero_invoices", gone_invoice)
    for mapping, row in ((items, gone_item), (invoices, gone_invoice)):
        ledger.seen[(mapping.name, row["tenant_id"])].add(row[mapping.key_column])
    incremental = _compare(synced, deployment, INCREMENTAL, ledger)
    assert (incremental.retired, incremental.extra) == (1, 1)
    snapshot = _compare(synced, deployment, SNAPSHOT, ledger)
    assert (snapshot.retired, snapshot.extra) == (0, 2)
    _execute(deployment, "UPDATE xero_items SET is_deleted = 1 WHERE item_id = ?",
             gone_item["item_id"])
    marked = _compare(synced, deployment, SNAPSHOT, ledger)
    assert (marked.retired, marked.extra) == (1, 1)
