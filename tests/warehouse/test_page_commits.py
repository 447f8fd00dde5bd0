"""Page by page: a run commits once it has read ``commit_rows`` records (or ``commit_every``
pages), each commit holding its pages' data and the watermark they reached, while the next page
is already being read; a run killed between two commits, or inside one, loses nothing once it
is resumed, even when records of one second span two pages.

Each test runs on SQLite and PostgreSQL (``scratch``); the kills are real (SIGKILL of a child
process running the sync, ``page_crasher``), so nothing is cleaned up by the dying run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.warehouse.conftest import ROOT, TENANT
from tests.warehouse.support import (
    Scratch,
    expected_rows,
    ms_date,
    table_rows,
    updated_at,
    warehouse_data,
)
from tests.warehouse.test_runs import Source
from xero_sync.errors import PagingStalled
from xero_sync.extract import ExtractSpec
from xero_sync.mapping import ObjectMapping
from xero_sync.sync import DEFAULT_OVERLAP, SyncRequest, run_sync
from xero_sync.warehouse.base import LoadCounts, SyncState
from xero_sync.warehouse.sqlbase import SqlWarehouse

Record = dict[str, Any]
WAIT = 10.0  # seconds a test waits for the read-ahead thread before calling it a failure
BASE = datetime(2026, 3, 1, 9, 0, 0)
SAME_SECOND = BASE + timedelta(hours=2)  # the second that spans pages 1 and 2


def stamped(invoices: list[Record]) -> list[list[Record]]:
    """Three pages of three invoices, oldest change first, hours apart (far more than the
    overlap), but for the second at the end of page 1 that goes on at the start of page 2: a
    watermark committed past what is stored would lose records for good."""
    moments = [BASE, BASE + timedelta(hours=1), SAME_SECOND + timedelta(milliseconds=100),
               SAME_SECOND + timedelta(milliseconds=300),
               SAME_SECOND + timedelta(milliseconds=700), SAME_SECOND + timedelta(hours=2),
               SAME_SECOND + timedelta(hours=3), SAME_SECOND + timedelta(hours=4),
               SAME_SECOND + timedelta(hours=5)]
    records = [{**record, "UpdatedDateUTC": ms_date(moment)}
               for record, moment in zip(invoices[:9], moments, strict=True)]
    return [records[0:3], records[3:6], records[6:9]]


class Loads:
    """Records every load a warehouse makes (its invoices and the state it commits), and
    runs ``during(n)`` inside the n-th, before it is committed."""

    def __init__(self, warehouse: SqlWarehouse, during: Any = None) -> None:
        self.done: list[tuple[list[str], SyncState | None]] = []
        self.during = during or (lambda number: None)
        real = warehouse.load

        def load(batch: Any, run: Any, state: SyncState | None, *rest: Any) -> LoadCounts:
            self.during(len(self.done) + 1)
            counts = real(batch, run, state, *rest)
            self.done.append((list(batch.parent["invoice_id"]), state))
            return counts

        warehouse.load = load  # type: ignore[method-assign]


def ids(records: list[Record]) -> list[str]:
    return [record["InvoiceID"] for record in records]


def watermark(warehouse: SqlWarehouse, mapping: ObjectMapping) -> datetime | None:
    return warehouse.read_state(mapping, TENANT).watermark_ts


# -- committing ---------------------------------------------------------------------------------

def test_a_commit_follows_every_commit_rows_records_with_the_watermark_they_reach(
        warehouse: SqlWarehouse, invoices_mapping: ObjectMapping,
        invoices: list[Record]) -> None:
    pages = [page[:2] for page in stamped(invoices)]  # 2 records a page, a commit every 4
    loads = Loads(warehouse)

    run_sync(Source(pages), warehouse, SyncRequest(invoices_mapping, TENANT, run_id="run-1",
                                                   commit_rows=4))

    every = [record for page in pages for record in page]
    assert [(loaded, state and state.watermark_ts) for loaded, state in loads.done] == [
        (ids(every[:4]), updated_at(every[3])),  # pages 1 and 2, and where they reached
        (ids(every[4:]), updated_at(every[5])),  # page 3 at the end of the run
    ]
    assert warehouse_data(warehouse, invoices_mapping, TENANT) == expected_rows(
        invoices_mapping, TENANT, every)


def test_a_page_larger_than_commit_rows_moves_the_watermark_with_its_last_part(
        warehouse: SqlWarehouse, invoices_mapping: ObjectMapping,
        invoices: list[Record]) -> None:
    pages = stamped(invoices)
    loads = Loads(warehouse)

    run_sync(Source([pages[0] + pages[1], pages[2]]), warehouse,
             SyncRequest(invoices_mapping, TENANT, run_id="run-1", commit_rows=4))

    every = [record for page in pages for record in page]
    assert [(loaded, state and state.watermark_ts) for loaded, state in loads.done] == [
        (ids(every[:4]), None),  # part of page 1: stored, the watermark stays
        (ids(every[4:6]), updated_at(every[5])),  # the rest of page 1, and its watermark
        (ids(every[6:]), updated_at(every[8])),  # page 2 at the end of the run
    ]


def test_small_pages_are_committed_every_commit_every_pages(
        warehouse: SqlWarehouse, invoices_mapping: ObjectMapping,
        invoices: list[Record]) -> None:
    pages = [[record] for page in stamped(invoices) for record in page]  # one record a page
    loads = Loads(warehouse)

    run_sync(Source(pages), warehouse, SyncRequest(invoices_mapping, TENANT, run_id="run-1",
                                                   commit_every=4))

    assert [len(loaded) for loaded, _ in loads.done] == [4, 4, 1]
    stamps = [state.watermark_ts for _, state in loads.done if state is not None]
    assert stamps == sorted(stamps)  # the watermark only ever moves forward, page by page


def test_the_next_page_is_read_while_the_page_before_is_loaded_and_no_further(
        warehouse: SqlWarehouse, invoices_mapping: ObjectMapping,
        invoices: list[Record]) -> None:
    pages = [[record] for page in stamped(invoices) for record in page]
    asked = {number: threading.Event() for number in range(len(pages) + 1)}
    too_far: list[str] = []
    loads: Loads | None = None

    def handed(number: int) -> None:  # the source is asked for page number + 1
        assert loads is not None
        asked[number].set()
        if number >= 2 and len(loads.done) < number - 1:
            too_far.append(f"page {number + 1} asked for with {len(loads.done)} pages loaded")

    def during(number: int) -> None:  # inside the load of page ``number``
        if number <= len(pages) and not asked[number].wait(WAIT):
            too_far.append(f"page {number + 1} was not read while page {number} was loaded")

    loads = Loads(warehouse, during)
    run_sync(Source(pages, between=handed), warehouse,
             SyncRequest(invoices_mapping, TENANT, run_id="run-1", commit_every=1))

    assert too_far == []
    assert [loaded for loaded, _ in loads.done][:len(pages)] == [ids(page) for page in pages]


def test_reading_in_step_is_kept_for_whoever_asks_for_it(
        warehouse: SqlWarehouse, invoices_mapping: ObjectMapping,
        invoices: list[Record]) -> None:
    pages = stamped(invoices)
    early: list[str] = []
    loads: Loads | None = None

    def handed(number: int) -> None:
        assert loads is not None
        if 1 <= number < len(pages) and len(loads.done) < number:
            early.append(f"page {number + 1} asked for before page {number} was loaded")

    loads = Loads(warehouse)
    run_sync(Source(pages, between=handed), warehouse,
             SyncRequest(invoices_mapping, TENANT, run_id="run-1", commit_rows=3,
                         read_ahead=False))

    assert early == []
    assert len(loads.done) >= len(pages)


def test_an_error_while_reading_ahead_fails_the_run_once_the_pages_before_it_are_stored(
        warehouse: SqlWarehouse, invoices_mapping: ObjectMapping,
        invoices: list[Record]) -> None:
    pages = stamped(invoices)

    class Failing(Source):
        def extract(self, spec: ExtractSpec, tenant_id: str, since: datetime | None = None,
                    offset: int | None = None) -> Any:
            for page in super().extract(spec, tenant_id, since, offset):
                if page.number == 3:
                    raise PagingStalled("Invoices page 3 held only records of page 2")
                yield page

    with pytest.raises(PagingStalled, match="page 3 held only"):
        run_sync(Failing(pages), warehouse,
                 SyncRequest(invoices_mapping, TENANT, run_id="run-1", commit_rows=3))

    stored = pages[0] + pages[1]
    assert warehouse_data(warehouse, invoices_mapping, TENANT) == expected_rows(
        invoices_mapping, TENANT, stored)
    assert watermark(warehouse, invoices_mapping) == updated_at(stored[-1])
    ((status, error),) = table_rows(warehouse, "_sync_runs", TENANT, ["status", "error"])
    assert status == "failed" and "PagingStalled" in error


# -- a run killed between two commits ---------------------------------------------------------

@pytest.mark.parametrize(("when", "kill_at", "commit_rows", "durable", "reached"), [
    ("after_commit", 1, 3, 3, 3),  # page 1 committed, page 2 read ahead, then killed
    ("before_commit", 2, 3, 3, 3),  # killed inside page 2's load, before its COMMIT
    ("after_commit", 2, 3, 6, 6),
    # Two records a commit: page 2's first two are stored, but the watermark is page 1's.
    ("after_commit", 3, 2, 5, 3),
])
def test_a_run_killed_between_page_commits_loses_nothing_when_resumed(
        scratch: Scratch, warehouse: SqlWarehouse, invoices_mapping: ObjectMapping,
        invoices: list[Record], tmp_path: Path, when: str, kill_at: int, commit_rows: int,
        durable: int, reached: int) -> None:
    pages = stamped(invoices)
    spec = {"target": asdict(scratch.target), "schema": scratch.schema, "pages": pages,
            "kill_at": kill_at, "when": when, "commit_rows": commit_rows}
    (tmp_path / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
    paths = [str(ROOT / "plugins"), str(ROOT / "tools"), str(ROOT)]
    killed = subprocess.run(
        [sys.executable, "-m", "tests.warehouse.page_crasher", str(tmp_path / "spec.json")],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": os.pathsep.join(paths)},
        capture_output=True, text=True, timeout=300, check=False)
    assert killed.returncode == -9, killed.stderr[-3000:]

    every = [record for page in pages for record in page]
    assert warehouse_data(warehouse, invoices_mapping, TENANT) == expected_rows(
        invoices_mapping, TENANT, every[:durable])
    stored = every[:reached]  # the pages stored whole: the watermark goes no further
    assert watermark(warehouse, invoices_mapping) == updated_at(stored[-1])

    source = Source(pages)
    run_sync(source, warehouse, SyncRequest(invoices_mapping, TENANT, run_id="resumed__1"))

    assert warehouse_data(warehouse, invoices_mapping, TENANT) == expected_rows(
        invoices_mapping, TENANT, every)
    assert watermark(warehouse, invoices_mapping) == updated_at(every[-1])
    assert source.asked == [(updated_at(stored[-1]) - DEFAULT_OVERLAP).replace(tzinfo=UTC)]

