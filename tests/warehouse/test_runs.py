"""Whole runs on every warehouse: overlapping runs, records from the future, quarantine
retries, and a warehouse that drops while a run is recorded.

Each test runs on SQLite and PostgreSQL (``scratch``) and, through ``test_mssql_live``, on SQL
Server. Overlaps are made deterministic by running the second run from inside the first one's
page source (between two of its pages), on a second connection; waiting is shown with the
warehouse's ``sleep`` replaced, so no test depends on timing.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.warehouse.conftest import ROOT, TENANT
from tests.warehouse.support import (
    Scratch,
    ms_date,
    new_version,
    run,
    table_rows,
    updated_at,
    with_new_ids,
)
from tests.warehouse.test_load import load_pages
from tests.warehouse.test_tables import INVOICES_YAML, invoices_document, widened_invoices
from xero_sync.client import Limits
from xero_sync.dates import parse_xero_datetime
from xero_sync.extract import ExtractSpec, Page
from xero_sync.mapping import ObjectMapping, load_mapping, parse_mapping
from xero_sync.sync import DEFAULT_OVERLAP, SyncRequest, run_sync
from xero_sync.transform import transform
from xero_sync.warehouse.base import LoadCounts, SyncRun, SyncState, WarehouseError
from xero_sync.warehouse.dbapi import WarehouseTarget
from xero_sync.warehouse.sqlbase import SqlWarehouse
from xero_sync.warehouse.staging import stage

Record = dict[str, Any]
OTHER_TENANT = "0b0e7a52-9a1f-4c3e-8d2b-6f5a4e3d2c1b"
NO_WAIT = "XERO_SYNC_RUN_LOCK_WAIT_SECONDS"  # 0: a second run fails at once
FAR_FUTURE = "/Date(253402214400000+0000)/"  # 9999-12-31
LONG_REFERENCE = "a reference longer than ten characters"


# -- helpers -----------------------------------------------------------------------------------

class Source:
    """Xero as ``run_sync`` reads it: fixed pages, If-Modified-Since honoured as Xero does
    (whole seconds, the boundary second kept). ``between(n)`` runs before page 1 (n = 0) and
    after page n has been handed over, when page n + 1 is asked for: with the sync reading
    one page ahead, while page n is being loaded (in step, ``read_ahead=False``: once it is
    loaded)."""

    def __init__(self, pages: list[list[Record]], between: Callable[[int], None] | None = None,
                 server_time: datetime | None = None) -> None:
        self.pages = pages
        self.between = between or (lambda number: None)
        self.server_time = server_time
        self.asked: list[datetime | None] = []

    def extract(self, spec: ExtractSpec, tenant_id: str, since: datetime | None = None,
                offset: int | None = None) -> Iterator[Page]:
        self.asked.append(since)
        watermark: datetime | None = None
        self.between(0)
        for number, records in enumerate(self.pages, 1):
            kept = [copy.deepcopy(r) for r in records
                    if since is None or changed_at(r) >= since.replace(microsecond=0)]
            for record in kept:
                watermark = max(filter(None, [watermark, changed_at(record)]))
            extra = {} if self.server_time is None else {"server_time": self.server_time}
            yield Page(kept, number, len(self.pages), Limits(), watermark, **extra)
            self.between(number)


def changed_at(record: Record) -> datetime:
    moment = parse_xero_datetime(record["UpdatedDateUTC"])
    assert isinstance(moment, datetime)
    return moment


def request(mapping: ObjectMapping, run_id: str, **options: Any) -> SyncRequest:
    """A run of ``mapping`` for TENANT that commits every page."""
    return SyncRequest(mapping, TENANT, run_id=run_id, commit_every=1, **options)


def live_invoices(invoices: list[Record], count: int) -> list[Record]:
    return [r for r in invoices if r["Status"] not in ("VOIDED", "DELETED")][:count]


def deleted_flags(warehouse: SqlWarehouse) -> dict[str, int]:
    return dict(table_rows(warehouse, "invoices", TENANT, ["invoice_id", "is_deleted"]))


def narrow_invoices() -> ObjectMapping:
    """invoices.yaml with Reference limited to 10 characters: longer ones are refused."""
    document = invoices_document()
    next(c for c in document["columns"] if c["source"] == "Reference").update(length=10)
    return parse_mapping(document, str(INVOICES_YAML), "invoices")


def seed(warehouse: SqlWarehouse, mapping: ObjectMapping, records: list[Record]) -> None:
    """Store parent rows with a plain INSERT: no load."""
    staged = stage(transform(mapping, TENANT, records))
    spec = staged.parent.spec
    extra = (warehouse.bind_timestamp(datetime(2026, 1, 1)), "seed")
    cursor = warehouse.connection.cursor()
    cursor.executemany(warehouse.insert_sql(spec),
                       [(*row, *extra) for row in staged.parent.rows(warehouse.converters(spec))])
    warehouse.connection.commit()


def quarantine_keys(warehouse: SqlWarehouse) -> list[str]:
    return sorted(key for (key,) in table_rows(warehouse, "_quarantine", TENANT,
                                               ["record_key"]))


def uri_of(target: WarehouseTarget) -> str:
    """The URI the command line reads (``--warehouse-uri``)."""
    if target.dialect == "sqlite":
        return f"sqlite:///{target.database}"
    scheme = "postgresql" if target.dialect == "postgres" else "mssql"
    login = quote(target.user or "", safe="")
    if target.password:
        login += ":" + quote(target.password, safe="")
    return f"{scheme}://{login}@{target.host}:{target.port}/{target.database}"


# -- 1. overlapping runs never delete live rows ------------------------------------------------

def test_a_load_between_a_snapshots_load_and_its_marking_deletes_no_live_row(
        scratch: Scratch, warehouse: SqlWarehouse, invoices_mapping: ObjectMapping,
        invoices: list[Record]) -> None:
    live = live_invoices(invoices, 12)
    load_pages(warehouse, invoices_mapping, live, "run-0")
    gone, present = live[0], live[1:]  # Xero hard-deleted `gone`
    snapshot = run("reconcile", snapshot=True)
    warehouse.load(transform(invoices_mapping, TENANT, present), snapshot, None)

    # Another run (a backfill) reads some of the same records: edited ones and unchanged ones.
    edited = [new_version(r, Reference="edited") for r in present[:4]]
    scratch.open().load(transform(invoices_mapping, TENANT, [*edited, *present[4:8]]),
                        run("backfill"), None)
    marked = warehouse.mark_missing_deleted(invoices_mapping, TENANT, snapshot, None)

    assert marked == 1
    assert deleted_flags(warehouse) == {r["InvoiceID"]: int(r is gone) for r in live}
    assert table_rows(warehouse, "_sync_seen") == []  # cleared with the marking


def test_a_refill_between_a_snapshots_load_and_its_marking_deletes_no_live_row(
        scratch: Scratch, warehouse: SqlWarehouse, invoices_mapping: ObjectMapping,
        invoices: list[Record]) -> None:
    live = live_invoices(invoices, 12)
    load_pages(warehouse, invoices_mapping, live, "run-0")
    gone, present = live[0], live[1:]
    snapshot = run("reconcile", snapshot=True)
    warehouse.load(transform(invoices_mapping, TENANT, present), snapshot, None)

    # Another task widens the mapping: the refill rewrites every stored row.
    scratch.open().ensure_tables([widened_invoices()])
    marked = warehouse.mark_missing_deleted(invoices_mapping, TENANT, snapshot, None)

    assert marked == 1
    assert deleted_flags(warehouse) == {r["InvoiceID"]: int(r is gone) for r in live}


def test_quarantined_records_count_as_read_by_a_snapshot_and_wait_in_one_row_each(
        warehouse: SqlWarehouse, invoices_mapping: ObjectMapping,
        invoices: list[Record]) -> None:
    live = live_invoices(invoices, 4)
    seed(warehouse, invoices_mapping, live)
    gone = live[0]
    refused = [{**r, "Total": "not a number"} for r in live[1:]]  # in Xero, not loadable
    snapshot = run("reconcile", snapshot=True)

    for _ in range(2):  # the same records read twice (a page read again)
        counts = warehouse.load(transform(invoices_mapping, TENANT, refused), snapshot, None)
        assert counts.quarantined == 3
    marked = warehouse.mark_missing_deleted(invoices_mapping, TENANT, snapshot, None)

    assert marked == 1
    assert deleted_flags(warehouse) == {r["InvoiceID"]: int(r is gone) for r in live}
    assert quarantine_keys(warehouse) == sorted(r["InvoiceID"] for r in refused)
    assert warehouse.quarantine_waiting(invoices_mapping, TENANT) == 3


def test_a_run_started_during_a_snapshot_waits_its_turn_and_nothing_live_is_deleted(
        scratch: Scratch, warehouse: SqlWarehouse, invoices_mapping: ObjectMapping,
        invoices: list[Record], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NO_WAIT, "0")
    live = live_invoices(invoices, 12)
    run_sync(Source([live]), warehouse, request(invoices_mapping, "scheduled__1"))
    gone = live[-1]
    other = scratch.open()
    backfills: list[SyncRun | Exception] = []

    def backfill(page: int) -> None:  # between the snapshot's first and second page
        if page == 1:
            since = datetime(2000, 1, 1, tzinfo=UTC)
            try:
                backfills.append(run_sync(Source([live[:6]]), other, request(
                    invoices_mapping, "backfill__1", modified_since=since)))
            except WarehouseError as error:
                backfills.append(error)

    snapshot = run_sync(Source([live[:6], live[6:-1]], between=backfill), warehouse,
                        request(invoices_mapping, "reconcile__1", full_refresh=True))

    assert deleted_flags(warehouse) == {r["InvoiceID"]: int(r is gone) for r in live}
    assert snapshot.counts.deleted == 1
    (outcome,) = backfills
    assert isinstance(outcome, WarehouseError), outcome
    assert "reconcile__1" in str(outcome) and "invoices" in str(outcome)


def test_a_second_run_fails_clearly_naming_the_first_and_other_runs_go_ahead(
        scratch: Scratch, warehouse: SqlWarehouse) -> None:
    from xero_sync.warehouse.base import RunLocked

    second = scratch.open()
    with warehouse.run_lock("invoices", TENANT, "scheduled__2026-03-01", timedelta(0)):
        with pytest.raises(RunLocked, match="scheduled__2026-03-01") as raised, \
                second.run_lock("invoices", TENANT, "backfill__2026-02-01", timedelta(0)):
            pass
        with second.run_lock("contacts", TENANT, "backfill__contacts", timedelta(0)):
            pass  # another object
        with second.run_lock("invoices", OTHER_TENANT, "backfill__other", timedelta(0)):
            pass  # another organisation
    with second.run_lock("invoices", TENANT, "backfill__2026-02-01", timedelta(0)):
        pass  # free again

    message = str(raised.value)
    assert "invoices for organisation" in message and TENANT in message
    assert "before reading or storing anything" in message and "retry" in message
    assert table_rows(warehouse, "_sync_locks") == []


def test_run_sync_fails_clearly_while_another_run_holds_the_lock(
        scratch: Scratch, warehouse: SqlWarehouse, invoices_mapping: ObjectMapping,
        invoices: list[Record], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NO_WAIT, "0")
    source = Source([invoices[:3]])

    with scratch.open().run_lock("invoices", TENANT, "scheduled__1", timedelta(0)), \
            pytest.raises(WarehouseError, match="scheduled__1"):
        run_sync(source, warehouse, request(invoices_mapping, "backfill__1"))

    assert source.asked == []  # nothing read
    ((run_id, status, error),) = table_rows(warehouse, "_sync_runs", TENANT,
                                            ["run_id", "status", "error"])
    assert (run_id, status) == ("backfill__1", "failed")
    assert error.startswith("RunLocked:")


def test_a_waiting_run_goes_ahead_when_the_first_ends(
        scratch: Scratch, warehouse: SqlWarehouse, caplog: pytest.LogCaptureFixture) -> None:
    first = contextlib.ExitStack()
    first.enter_context(scratch.open().run_lock("invoices", TENANT, "scheduled__1",
                                                timedelta(0)))
    slept: list[float] = []

    def sleep(seconds: float) -> None:  # the first run ends while the second one waits
        slept.append(seconds)
        first.close()

    warehouse.sleep = sleep
    with caplog.at_level(logging.INFO, logger="xero_sync.warehouse.sqlbase"), \
            warehouse.run_lock("invoices", TENANT, "backfill__1", timedelta(minutes=5)):
        holder = table_rows(warehouse, "_sync_locks", TENANT, ["object", "run_id"])

    assert len(slept) == 1
    assert "waiting up to 300 s" in caplog.text and "run scheduled__1" in caplog.text
    assert holder == [("invoices", "backfill__1")]
    assert table_rows(warehouse, "_sync_locks") == []


def test_a_killed_run_leaves_no_lock_behind(scratch: Scratch, warehouse: SqlWarehouse) -> None:
    spec = {"target": asdict(scratch.target), "schema": scratch.schema, "object": "invoices",
            "tenant": TENANT, "run_id": "killed__1"}
    paths = [str(ROOT / "plugins"), str(ROOT / "tools"), str(ROOT)]
    with subprocess.Popen(
            [sys.executable, "-m", "tests.warehouse.lock_holder", json.dumps(spec)], cwd=ROOT,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(paths)}, stdout=subprocess.PIPE,
            text=True) as holder:
        claimed = hold_then_kill(holder, warehouse)
    assert claimed == [("next__1",)]


def hold_then_kill(holder: subprocess.Popen[str], warehouse: SqlWarehouse) -> Any:
    """While ``holder`` holds the lock, no one gets it; once SIGKILLed, the next run does."""
    from xero_sync.warehouse.base import RunLocked

    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(RunLocked, match="killed__1"), \
                warehouse.run_lock("invoices", TENANT, "next__1", timedelta(0)):
            pass
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=60)
        # The server (or the kernel, for SQLite's file lock) ends the dead run's hold.
        with warehouse.run_lock("invoices", TENANT, "next__1", timedelta(seconds=60)):
            claimed = table_rows(warehouse, "_sync_locks", TENANT, ["run_id"])
    finally:
        holder.kill()
    return claimed


# -- 2. a record from the future cannot poison the watermark -----------------------------------

def test_a_record_from_the_future_does_not_carry_the_watermark_past_xeros_clock(
        warehouse: SqlWarehouse, invoices_mapping: ObjectMapping, invoices: list[Record],
        caplog: pytest.LogCaptureFixture) -> None:
    records = invoices[:10]
    future = {**with_new_ids(records[3]), "UpdatedDateUTC": FAR_FUTURE}
    with caplog.at_level(logging.WARNING, logger="xero_sync.sync"):
        run_sync(Source([[*records, future]]), warehouse, request(invoices_mapping, "run-1"))
    stored = {key for (key,) in table_rows(warehouse, "invoices", TENANT, ["invoice_id"])}
    state = warehouse.read_state(invoices_mapping, TENANT)

    # The next run still reads what changes (after the first run, by Xero's clock).
    now = datetime.now(UTC).replace(tzinfo=None)
    edited = new_version(records[0], Reference="changed after the future record")
    edited["UpdatedDateUTC"] = ms_date(now)
    run_sync(Source([[*records[1:], future, edited]]), warehouse,
             request(invoices_mapping, "run-2"))

    assert future["InvoiceID"] in stored  # stored all the same
    assert state.watermark_ts is not None
    assert max(updated_at(r) for r in records) <= state.watermark_ts
    assert state.watermark_ts <= now + timedelta(minutes=5)
    assert future["InvoiceID"] in caplog.text and "9999-12-31" in caplog.text
    references = dict(table_rows(warehouse, "invoices", TENANT, ["invoice_id", "reference"]))
    assert references[edited["InvoiceID"]] == "changed after the future record"


def test_the_watermark_follows_xeros_clock_from_the_date_header(
        warehouse: SqlWarehouse, invoices_mapping: ObjectMapping,
        invoices: list[Record]) -> None:
    xero_now = datetime(2040, 1, 1, tzinfo=UTC)  # Xero's clock far ahead of ours
    within = {**invoices[0], "UpdatedDateUTC": ms_date(datetime(2040, 1, 1, 0, 3))}
    beyond = {**with_new_ids(invoices[1]), "UpdatedDateUTC": ms_date(datetime(2040, 1, 2))}

    run_sync(Source([[within, beyond]], server_time=xero_now), warehouse,
             request(invoices_mapping, "run-1"))

    # Not our clock (which would stop it in the 2020s), and not the record a day ahead.
    assert warehouse.read_state(invoices_mapping, TENANT).watermark_ts == datetime(2040, 1, 1)


def test_a_future_record_leaves_the_next_run_the_whole_overlap_below_xeros_clock(
        warehouse: SqlWarehouse, invoices_mapping: ObjectMapping,
        invoices: list[Record]) -> None:
    """An edit committed late (stamped a minute before Xero answered the last run, visible
    only after it) is read by the next run, though a record dated 9999 holds the watermark at
    Xero's clock: the next run reads from Xero's clock minus the overlap, not from its clock."""
    xero_now = datetime.now(UTC).replace(microsecond=0)
    before = (xero_now - timedelta(minutes=10)).replace(tzinfo=None)
    records = [{**r, "UpdatedDateUTC": ms_date(before)} for r in invoices[:4]]
    future = {**with_new_ids(invoices[5]), "UpdatedDateUTC": FAR_FUTURE}
    run_sync(Source([[*records, future]], server_time=xero_now), warehouse,
             request(invoices_mapping, "run-1"))
    late = new_version(records[0], Reference="committed late")
    late["UpdatedDateUTC"] = ms_date((xero_now - timedelta(minutes=1)).replace(tzinfo=None))
    source = Source([[*records[1:], future, late]], server_time=xero_now)

    run_sync(source, warehouse, request(invoices_mapping, "run-2"))

    assert source.asked == [xero_now - DEFAULT_OVERLAP]
    references = dict(table_rows(warehouse, "invoices", TENANT, ["invoice_id", "reference"]))
    assert references[late["InvoiceID"]] == "committed late"


def test_a_watermark_stored_in_the_future_is_reset_and_the_run_reads_everything(
        warehouse: SqlWarehouse, invoices_mapping: ObjectMapping, invoices: list[Record],
        caplog: pytest.LogCaptureFixture) -> None:
    records = invoices[:12]
    poisoned = SyncState("invoices", TENANT, datetime(9999, 12, 31))  # by an older version
    warehouse.load(transform(invoices_mapping, TENANT, records[:4]), run("old"), poisoned)
    source = Source([records])

    with caplog.at_level(logging.WARNING, logger="xero_sync.sync"):
        run_sync(source, warehouse, request(invoices_mapping, "run-1"))

    assert len(table_rows(warehouse, "invoices", TENANT)) == len(records)
    assert source.asked == [None]
    state = warehouse.read_state(invoices_mapping, TENANT)
    assert state.watermark_ts == max(updated_at(r) for r in records)
    assert "9999-12-31" in caplog.text and "in the future" in caplog.text


def test_an_operator_resets_a_watermark_with_the_command_line(
        scratch: Scratch, warehouse: SqlWarehouse, invoices_mapping: ObjectMapping,
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from xero_sync import state as state_cli

    journals = load_mapping(ROOT / "include" / "mappings" / "journals.yaml")
    warehouse.reset_watermark("invoices", TENANT, datetime(2026, 6, 1), None, "seed")
    where = ["--tenant", TENANT, "--warehouse-uri", uri_of(scratch.target), "--schema",
             scratch.schema]
    out = io.StringIO()

    def reset(*args: str) -> int:
        return state_cli.main(["reset", *args, *where], out)

    assert reset("--object", "invoices", "--to", "2026-01-01T00:00:00Z") == 0
    back = warehouse.read_state(invoices_mapping, TENANT).watermark_ts
    assert reset("--object", "journals", "--to", "42") == 0  # no state yet: one is stored
    journal = warehouse.read_state(journals, TENANT).watermark_int
    with warehouse.run_lock("invoices", TENANT, "scheduled__1", timedelta(0)):
        assert reset("--object", "invoices", "--wait", "0") == 1  # a sync is running
    assert reset("--object", "invoices") == 0
    cleared = warehouse.read_state(invoices_mapping, TENANT).watermark_ts
    assert reset("--object", "invoice", "--to", "2026-01-01") == 1
    assert reset("--object", "invoices", "--to", "yesterday") == 1
    assert reset("--object", "invoices", "--to", "0001-01-01T00:00:00+14:00") == 1
    beside_a_broken_file = tmp_path / "mappings"
    shutil.copytree(ROOT / "include" / "mappings", beside_a_broken_file)
    (beside_a_broken_file / "cash_journals.yaml").write_text("name: [\n")
    assert reset("--object", "invoices", "--to", "2026-02-01T00:00:00Z",
                 "--mappings", str(beside_a_broken_file)) == 0
    moved = warehouse.read_state(invoices_mapping, TENANT).watermark_ts

    assert back == datetime(2026, 1, 1)
    assert moved == datetime(2026, 2, 1)
    assert journal == 42
    assert cleared is None
    assert "was 2026-06-01 00:00:00 UTC, now 2026-01-01 00:00:00 UTC" in out.getvalue()
    errors = capsys.readouterr().err
    assert "scheduled__1" in errors
    assert "'invoice' is not a mapping" in errors and "yesterday" in errors
    assert "'0001-01-01T00:00:00+14:00' is outside the years 1 to 9999 in UTC" in errors


# -- 3. quarantine has a way back --------------------------------------------------------------

def test_a_quarantined_record_comes_back_once_the_mapping_accepts_it(
        warehouse: SqlWarehouse, invoices_mapping: ObjectMapping, invoices: list[Record],
        caplog: pytest.LogCaptureFixture) -> None:
    records = [{**r, "Reference": f"ref-{n}"} for n, r in enumerate(invoices[:8])]
    refused = {**records[2], "Reference": LONG_REFERENCE}
    run_sync(Source([[*records[:2], refused, *records[3:]]]), warehouse,
             request(narrow_invoices(), "run-1"))
    waiting = quarantine_keys(warehouse)

    # The mapping is fixed; Xero has nothing new (the watermark is past the record).
    with caplog.at_level(logging.INFO, logger="xero_sync.sync"):
        run_sync(Source([[]]), warehouse, request(invoices_mapping, "run-2"))

    references = dict(table_rows(warehouse, "invoices", TENANT, ["invoice_id", "reference"]))
    assert references[refused["InvoiceID"]] == LONG_REFERENCE
    assert waiting == [refused["InvoiceID"]]
    assert quarantine_keys(warehouse) == []
    runs = table_rows(warehouse, "_sync_runs", TENANT, ["run_id", "quarantine_waiting"])
    assert runs == [("run-1", 1), ("run-2", 0)]
    assert "retried 1 quarantined records: 1 stored" in caplog.text
    assert "0 waiting in quarantine" in caplog.text


def test_a_record_refused_run_after_run_waits_in_one_row(
        warehouse: SqlWarehouse, invoices: list[Record]) -> None:
    refused = {**invoices[0], "Reference": LONG_REFERENCE}
    narrow = narrow_invoices()
    for number in range(3):  # read again each run (it is the newest change)
        run_sync(Source([[refused]]), warehouse, request(narrow, f"run-{number}"))

    assert quarantine_keys(warehouse) == [refused["InvoiceID"]]
    runs = table_rows(warehouse, "_sync_runs", TENANT, ["run_id", "quarantine_waiting"])
    assert runs == [("run-0", 1), ("run-1", 1), ("run-2", 1)]


def test_a_newer_version_read_from_xero_takes_a_record_out_of_quarantine(
        warehouse: SqlWarehouse, invoices: list[Record]) -> None:
    refused = {**invoices[0], "Reference": LONG_REFERENCE}
    narrow = narrow_invoices()
    run_sync(Source([[refused]]), warehouse, request(narrow, "run-1"))
    corrected = new_version(refused, Reference="short")

    run_sync(Source([[corrected]]), warehouse, request(narrow, "run-2"))

    assert quarantine_keys(warehouse) == []
    references = dict(table_rows(warehouse, "invoices", TENANT, ["invoice_id", "reference"]))
    assert references == {refused["InvoiceID"]: "short"}


def test_a_retried_record_never_overwrites_a_newer_stored_version(
        warehouse: SqlWarehouse, invoices_mapping: ObjectMapping,
        invoices: list[Record]) -> None:
    older = {**invoices[0], "Reference": LONG_REFERENCE}
    newer = new_version(invoices[0], Reference="newer")
    warehouse.load(transform(invoices_mapping, TENANT, [newer]), run("run-1"), None)
    warehouse.load(transform(narrow_invoices(), TENANT, [older]), run("run-2"), None)

    retried = warehouse.retry_quarantined(invoices_mapping, TENANT, run("run-3"))

    assert (retried.inserted, retried.updated, retried.unchanged) == (0, 0, 1)
    assert quarantine_keys(warehouse) == []  # a newer version is stored: nothing waits
    references = dict(table_rows(warehouse, "invoices", TENANT, ["invoice_id", "reference"]))
    assert references == {newer["InvoiceID"]: "newer"}


def test_the_retry_reads_the_quarantine_page_by_page(
        warehouse: SqlWarehouse, invoices_mapping: ObjectMapping,
        invoices: list[Record]) -> None:
    refused = [{**r, "Reference": LONG_REFERENCE} for r in invoices[:5]]
    warehouse.load(transform(narrow_invoices(), TENANT, refused), run("run-1"), None)
    warehouse.refill_page = 2

    retried = warehouse.retry_quarantined(invoices_mapping, TENANT, run("run-2"))

    assert retried.inserted == 5
    assert warehouse.quarantine_waiting(invoices_mapping, TENANT) == 0


def test_an_older_sync_runs_table_gains_the_quarantine_waiting_column(
        scratch: Scratch, warehouse: SqlWarehouse) -> None:
    cursor = warehouse.connection.cursor()
    cursor.execute(f"ALTER TABLE {warehouse.table('_sync_runs')} DROP COLUMN "
                   f"{warehouse.sql.quote('quarantine_waiting')}")
    warehouse.connection.commit()

    scratch.open().ensure_tables([])
    started = datetime(2026, 1, 2)
    warehouse.record_run(SyncRun("run-1", "invoices", TENANT, started, started, "success", 1,
                                 1, LoadCounts(inserted=1), None, 4))

    assert table_rows(warehouse, "_sync_runs", TENANT, ["quarantine_waiting"]) == [(4,)]


# -- 4. recording a failure never hides it -----------------------------------------------------

class Dropping:
    """A connection that, once ``dropped`` is set, fails every statement and commit with the
    driver's own error, as a connection whose server went away does."""

    def __init__(self, connection: Any, dropped: dict[str, bool]) -> None:
        self._connection = connection
        self._dropped = dropped
        self.error: type[BaseException] = Exception

    def check(self) -> None:
        if self._dropped["now"]:
            raise self.error("server closed the connection unexpectedly")

    def cursor(self) -> DroppingCursor:
        return DroppingCursor(self._connection.cursor(), self)

    def commit(self) -> None:
        self.check()
        self._connection.commit()

    def rollback(self) -> None:
        self.check()
        self._connection.rollback()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)


class DroppingCursor:
    def __init__(self, cursor: Any, connection: Dropping) -> None:
        self._cursor = cursor
        self._connection = connection

    def execute(self, *args: Any) -> Any:
        self._connection.check()
        return self._cursor.execute(*args)

    def executemany(self, *args: Any) -> Any:
        self._connection.check()
        return self._cursor.executemany(*args)

    def copy(self, *args: Any) -> Any:
        self._connection.check()
        return self._cursor.copy(*args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


def test_a_warehouse_that_drops_mid_run_raises_the_runs_own_error(
        scratch: Scratch, warehouse: SqlWarehouse, invoices_mapping: ObjectMapping,
        invoices: list[Record], caplog: pytest.LogCaptureFixture) -> None:
    dropped = {"now": False}
    wrapped: list[Dropping] = []

    def wrap(connection: Any) -> Dropping:
        wrapped.append(Dropping(connection, dropped))
        return wrapped[-1]

    failing = scratch.open(wrap)
    wrapped[0].error = failing.driver_errors()[0]

    def drop(page: int) -> None:  # before the first page is loaded
        dropped["now"] = True

    with caplog.at_level(logging.WARNING), pytest.raises(WarehouseError) as raised:
        run_sync(Source([invoices[:5]], between=drop), failing,
                 request(invoices_mapping, "run-1"))

    assert "could not load" in str(raised.value)
    assert "server closed the connection unexpectedly" in str(raised.value)
    assert "could not record the failed run" in caplog.text
