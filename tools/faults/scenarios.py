"""The fault suite's trials for the failure classes of issue 10: each makes Xero misbehave in
one way a finance team's data must survive, runs the sync with the usual faults and kills, and
compares the warehouse with the truth (nothing lost, duplicated, falsely deleted or stuck).

* ``burst``: many records changed in the same second, read in pages of 10 committed one by
  one: after a kill between two commits, the rest of the burst must still be read.
* ``late_edit``: changes that become visible after the watermark passed them (a long
  transaction in Xero), stamped at the very edge of the overlap window: the overlap must
  reach them, to the second.
* ``hostile``: records Xero serves that no warehouse can store as they are (U+0000 in a text,
  a date no calendar holds, an object where text belongs) are quarantined while a full
  snapshot runs (their last good version kept, never marked deleted), then fixed in Xero:
  the next run stores them and nothing stays in quarantine.
* ``malformed``: half the injected faults are malformed answers (empty, cut short, HTML,
  XML, a list, an envelope without its records, a server repeating page 1 or ignoring the
  offset), on an incremental run or a full snapshot: they must never read as "no records".
* ``future_record``: one record stamped 30 minutes ahead of Xero's clock (and, in a second
  organisation, 9999-12-31); the organisations change, half an hour passes, and the next run
  must still read those changes: the watermark never passed Xero's clock.
* ``future_correction``: such records synced, then corrected in Xero (as the run's warning
  asks): the corrections must be stored, not refused as older than the future versions.
* ``backfill_overlap``: changes older than the overlap (only a backfill of their interval can
  bring them), then a backfill beside a scheduled run of the same objects and organisations,
  one of the two killed: the backfill must read from its interval's start.
* ``snapshot_overlap``: a full snapshot beside an incremental run, one of them killed, after
  the organisations changed (hard deletes included): the snapshot marks deleted exactly
  what Xero no longer has.

The sandbox runs in this process, so the trials change its records directly (under the
organisation's lock), as Xero's users or a lagging Xero would.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from tests.e2e.support import key_of, visible_truth

from faults.compare import Expectation, Ledger, Tally, compare_stamps
from faults.plan import TrialPlan
from faults.worker import WorkerJob
from xero_sandbox.generator import stamp
from xero_sandbox.store import updated_ms
from xero_sync.mapping import ObjectMapping
from xero_sync.tasks import reconcile_due
from xero_sync.warehouse.base import DEFAULT_SCHEMA
from xero_sync.warehouse.factory import warehouse_for

if TYPE_CHECKING:
    from faults.trial import Runner, Scratch, TrialResult

Record = dict[str, Any]
INCREMENTAL = Expectation(snapshot=False, blind_spots=False)
SNAPSHOT = Expectation(snapshot=True, blind_spots=True)
# Objects the trials change: paged by UpdatedDateUTC, with a money column the comparison reads
# (a change it could not see would prove nothing).
CHANGED_OBJECTS = {"invoices": "Total", "credit_notes": "Total"}
BURST_RECORDS = 25  # per object and organisation: three pages of 10
LATE_RECORDS = 3
HOSTILE_RECORDS = 2
FUTURE_SECONDS = 30 * 60
FAR_FUTURE = datetime(9999, 12, 31, tzinfo=UTC)
SETTLED_STATUSES = {"invoices": ("PAID",)}  # records the sandbox's activity leaves alone
RUN_TIMEOUT = 600.0
BACKFILL_LAG = timedelta(hours=2)  # how far behind the overlap the late changes are
HOSTILE = (
    ("Reference", "NUL\u0000in a text"),
    ("Date", "/Date(-99999999999999999999)/"),  # overflows any calendar
    ("Reference", {"not": "text"}),
)
HOSTILE_FIELDS = {"items": {"Reference": "Description"}}  # a text field of each object
HARD_DELETED_OBJECTS = ("items",)  # Xero deletes these outright


@dataclass
class Trial:
    """One trial in progress: the runner, its plan and warehouse, and what it recorded."""

    runner: Runner
    plan: TrialPlan
    scratch: Scratch
    record: TrialResult
    ledger: Ledger

    @cached_property
    def draw(self) -> random.Random:
        """Choices of this trial (which records, which run is killed), from its plan."""
        return random.Random(self.plan.variant)  # noqa: S311 - repeatable, not secret

    def sync(self, **job: Any) -> None:
        """Faults on; a run killed, reruns until done; faults off."""
        self.runner.faults_on(self.plan)
        self.runner.kill_then_rerun(self.plan, self.scratch, self.record, **job)
        self.runner.faults_off()

    def compare(self, expect: Expectation) -> Tally:
        """The warehouse against the truth."""
        return self.runner.compare(self.scratch, self.ledger, expect)

    def hostile_objects(self) -> list[ObjectMapping]:
        """The run's objects that hostile trials change."""
        names = (*CHANGED_OBJECTS, *HARD_DELETED_OBJECTS)
        return [m for m in self.runner.mappings if m.name in names]

    def delete(self, name: str, tenant: str, record_id: str) -> None:
        """Delete a record outright, as Xero deletes items."""
        mapping = next(m for m in self.runner.mappings if m.name == name)
        organisation = self.runner.sandbox.state.organisations[tenant]
        with organisation.lock:
            del organisation.data[mapping.collection][record_id]
            organisation.invalidate(mapping.collection)

    def changed_objects(self) -> list[ObjectMapping]:
        """The run's objects that trials change (``CHANGED_OBJECTS``)."""
        return [m for m in self.runner.mappings if m.name in CHANGED_OBJECTS]

    def tenants(self) -> list[str]:
        """The organisations."""
        return list(self.runner.sandbox.state.tenant_names)

    def now_ms(self) -> int:
        """The sandbox's now."""
        return int(self.runner.sandbox.state.clock.now_ms())

    def watermark_ms(self, mapping: ObjectMapping, tenant: str) -> int:
        """The stored watermark (UpdatedDateUTC), in epoch milliseconds."""
        warehouse = warehouse_for(self.scratch.target, DEFAULT_SCHEMA)
        try:
            state = warehouse.read_state(mapping, tenant)
        finally:
            warehouse.close()
        if state.watermark_ts is None:
            raise RuntimeError(f"{mapping.name} tenant {tenant} has no watermark after a "
                               "finished run")
        return int(state.watermark_ts.replace(tzinfo=UTC).timestamp() * 1000)

    def candidates(self, mapping: ObjectMapping, tenant: str, before_ms: int, count: int,
                   statuses: tuple[str, ...] = ()) -> list[str]:
        """Up to ``count`` ids of live records last changed before ``before_ms`` (in one of
        ``statuses``, when given)."""
        endpoint = self.runner.sandbox.state.organisations[tenant].endpoints[mapping.collection]
        ids = [key_of(r[mapping.primary_key]) for r in visible_truth(
            self.runner.sandbox, mapping, tenant)
               if updated_ms(r, endpoint) < before_ms
               and r.get("Status") not in mapping.deleted_values
               and (not statuses or r.get("Status") in statuses)]
        return self.draw.sample(sorted(ids), min(count, len(ids)))

    def change(self, mapping: ObjectMapping, tenant: str, ids: list[str],
               alter: Callable[[Record], None], at_ms: int | None,
               future: bool = False) -> None:
        """Change records in place, stamped ``at_ms`` (not at all when None), as one edit.

        Xero stamps an edit with its own clock, so a stamp ahead of the sandbox's clock is a
        trial's bug unless the trial means it (``future``: the future-dated trials): such a
        record makes a later real edit, stamped earlier, look older than the stored version,
        and the comparison would blame the sync for what the trial did."""
        if at_ms is not None and not future and at_ms > self.now_ms():
            raise RuntimeError(
                f"trial {self.plan.number} ({self.plan.kind}) stamps {mapping.name} {ids} "
                f"{(at_ms - self.now_ms()) / 1000:.1f} s ahead of Xero's clock; only the "
                "future-dated trials may (future=True)")
        organisation = self.runner.sandbox.state.organisations[tenant]
        with organisation.lock:
            records = organisation.data[mapping.collection]
            for record_id in ids:
                record = records[record_id]
                alter(record)
                if at_ms is not None:
                    stamp(record, mapping.collection, at_ms)
            organisation.invalidate(mapping.collection)


def bump(mapping: ObjectMapping) -> Callable[[Record], None]:
    """A change the comparison sees: the object's money column plus one."""
    field = CHANGED_OBJECTS[mapping.name]

    def alter(record: Record) -> None:
        record[field] = round(float(record.get(field) or 0) + 1.0, 2)

    return alter


def setting(fields: Record) -> Callable[[Record], None]:
    """A change that sets these fields."""
    def alter(record: Record) -> None:
        record.update(fields)

    return alter


def burst(trial: Trial) -> Tally:
    """``BURST_RECORDS`` changes per object and organisation in one second, read in pages of
    10 committed one by one; a run killed among them."""
    at = trial.now_ms()
    for mapping in trial.changed_objects():
        for tenant in trial.tenants():
            ids = trial.candidates(mapping, tenant, at - 1000, BURST_RECORDS)
            trial.change(mapping, tenant, ids, bump(mapping), at - trial.draw.randrange(500))
    trial.sync()
    return trial.compare(INCREMENTAL)


def late_edit(trial: Trial) -> Tally:
    """Bring the warehouse up to date; then changes stamped within the overlap window below
    the watermark (one at the very start of its first second), as a long transaction in Xero
    makes them visible late; the next run must read them."""
    trial.sync()
    overlap_ms = int(trial.plan.overlap_seconds * 1000)
    for mapping in trial.changed_objects():
        for tenant in trial.tenants():
            edge = _late_edge(trial, mapping, tenant) - overlap_ms
            moments = [edge // 1000 * 1000, edge, edge + overlap_ms // 2]
            ids = trial.candidates(mapping, tenant, edge // 1000 * 1000 - 1000, LATE_RECORDS)
            for record_id, moment in zip(ids, moments, strict=False):
                trial.change(mapping, tenant, [record_id], bump(mapping), moment)
    trial.sync()
    return trial.compare(INCREMENTAL)


def _late_edge(trial: Trial, mapping: ObjectMapping, tenant: str) -> int:
    """Where the overlap window of the next run ends: the watermark, or Xero's clock when the
    watermark is above it (a record dated in the future holds it at Xero's clock plus the
    skew), since no edit is stamped after Xero's now."""
    return min(trial.watermark_ms(mapping, tenant), trial.now_ms())


def hostile(trial: Trial) -> Tally:
    """Records made hostile and read by an incremental run (they wait in quarantine, their
    last good version kept); one hostile item per organisation deleted in Xero; a full
    snapshot (the waiting records are retried first, and must not count as read: the deleted
    item is marked deleted, the others are not); then the rest fixed in Xero and read by an
    incremental run: stored, and nothing left waiting."""
    held: set[tuple[str, str, str]] = set()
    originals: dict[tuple[str, str, str], Record] = {}
    now = trial.now_ms()
    for mapping in trial.hostile_objects():
        field, bad = hostile_change(mapping, trial.plan.variant)
        for tenant in trial.tenants():
            ids = trial.candidates(mapping, tenant, now - 1000, HOSTILE_RECORDS)
            records = trial.runner.sandbox.state.organisations[tenant].data[mapping.collection]
            for record_id in ids:
                originals[(mapping.name, tenant, record_id)] = {
                    field: records[record_id].get(field)}
            trial.change(mapping, tenant, ids, setting({field: bad}), now)
            held.update((mapping.name, tenant, i) for i in ids)
    trial.sync()
    tally = trial.compare(Expectation(snapshot=False, blind_spots=False, held=frozenset(held)))
    for gone in sorted(k for k in held if k[0] in HARD_DELETED_OBJECTS)[::HOSTILE_RECORDS]:
        trial.delete(*gone)
        held.discard(gone)
        originals.pop(gone)
    trial.sync(full_refresh=True)
    tally.add(trial.compare(Expectation(snapshot=True, blind_spots=True,
                                        held=frozenset(held))))
    fixed = max(trial.now_ms(), now + 1)  # never ahead of Xero's clock: that is another trial
    mappings = {m.name: m for m in trial.hostile_objects()}
    for (name, tenant, record_id), fields in originals.items():
        trial.change(mappings[name], tenant, [record_id], setting(fields), fixed)
    trial.sync()
    tally.add(trial.compare(INCREMENTAL))
    return tally


def hostile_change(mapping: ObjectMapping, variant: int) -> tuple[str, Any]:
    """The field and value that make a record of ``mapping`` hostile (``HOSTILE``): a value
    no warehouse stores as it is, in a field the mapping stores."""
    sources = {column.source for column in mapping.columns}
    usable = [(field, value) for field, value in HOSTILE
              if HOSTILE_FIELDS.get(mapping.name, {}).get(field, field) in sources]
    field, value = usable[variant % len(usable)]
    return HOSTILE_FIELDS.get(mapping.name, {}).get(field, field), value


def malformed(trial: Trial) -> Tally:
    """Malformed answers among the faults (``faults_plan.MALFORMED_MIX``), on a full snapshot
    or an incremental run."""
    snapshot = trial.plan.variant % 2 == 0
    trial.sync(full_refresh=snapshot)
    return trial.compare(SNAPSHOT if snapshot else INCREMENTAL)


def future_record(trial: Trial) -> Tally:
    """A record 30 minutes in the future (in a second organisation one in 9999), a run;
    the organisations change, half an hour passes, and the next run must read the changes."""
    _make_future_records(trial)
    trial.sync()
    admin = trial.runner.admin
    admin.call("POST", "activity", {"intensity": max(trial.plan.activity, 3)})
    admin.call("POST", "clock", {"seconds": FUTURE_SECONDS + 60})
    trial.sync()
    return trial.compare(INCREMENTAL)


def future_correction(trial: Trial) -> Tally:
    """Records stamped in the future (30 minutes; 9999-12-31) and synced, then their dates
    corrected in Xero (stamped now, as the run's warning asks): the next run must store the
    corrections, not keep the future versions (``compare_stamps``)."""
    made = _make_future_records(trial)
    trial.sync()
    corrected = trial.now_ms()
    for mapping, tenant, record_id in made:
        trial.change(mapping, tenant, [record_id], setting({}), corrected)
    trial.sync()
    tally = trial.compare(INCREMENTAL)
    for mapping, tenant, record_id in made:
        truth = [r for r in visible_truth(trial.runner.sandbox, mapping, tenant)
                 if key_of(r[mapping.primary_key]) == record_id]
        tally.add(compare_stamps(trial.scratch.deployment, mapping, tenant, truth))
    return tally


def _make_future_records(trial: Trial) -> list[tuple[ObjectMapping, str, str]]:
    """One record per object changed 30 minutes ahead of Xero's clock in the first
    organisation, on 9999-12-31 in the second; which they are. Paid invoices are chosen: the
    sandbox's activity never changes them, so only the trial decides what happens to these
    records next."""
    now = trial.now_ms()
    futures = [now + FUTURE_SECONDS * 1000, int(FAR_FUTURE.timestamp() * 1000)]
    made: list[tuple[ObjectMapping, str, str]] = []
    for mapping in trial.changed_objects():
        for tenant, at in zip(trial.tenants(), futures, strict=False):
            ids = trial.candidates(mapping, tenant, now - 1000, 1,
                                   SETTLED_STATUSES.get(mapping.name, ()))
            trial.change(mapping, tenant, ids, bump(mapping), at, future=True)
            made.extend((mapping, tenant, i) for i in ids)
    return made


def backfill_overlap(trial: Trial) -> Tally:
    """Changes older than the overlap (only a backfill of their interval reads them); then a
    backfill of that interval beside a scheduled run, one of the two killed."""
    trial.sync()
    lag = int((BACKFILL_LAG.total_seconds() + trial.plan.overlap_seconds) * 1000)
    oldest = None
    for mapping in trial.changed_objects():
        for tenant in trial.tenants():
            at = trial.watermark_ms(mapping, tenant) - lag
            ids = trial.candidates(mapping, tenant, at - 1000, LATE_RECORDS)
            trial.change(mapping, tenant, ids, bump(mapping), at)
            oldest = at if oldest is None else min(oldest, at)
    start = backfill_interval(trial.runner.mappings, oldest or trial.now_ms())
    backfill = {"backfill_start": start, "backfill_end": start + timedelta(hours=1),
                "run_suffix": "backfill"}
    return _pair(trial, backfill, {}, INCREMENTAL)


def snapshot_overlap(trial: Trial) -> Tally:
    """A full snapshot beside an incremental run, one of the two killed."""
    return _pair(trial, {"full_refresh": True, "run_suffix": "snapshot"}, {}, SNAPSHOT)


def _pair(trial: Trial, first: dict[str, Any], second: dict[str, Any],
          expect: Expectation) -> Tally:
    """Two runs of every task at once (``first`` and ``second`` change their jobs), the
    drawn one SIGKILLed after the drawn share of the expected time; then each reruns until
    done; the comparison."""
    runner, plan, record = trial.runner, trial.plan, trial.record
    runner.faults_on(plan)
    record.runs += 1
    jobs = [runner.job(plan, trial.scratch, record.runs, **changes)
            for changes in (first, {**second, "run_suffix": "scheduled"})]
    jobs = [_own_files(job, index) for index, job in enumerate(jobs)]
    started = time.monotonic()
    processes = [runner.start(job) for job in jobs]
    victim = plan.variant % 2
    processes[victim].join(plan.kill_fraction * runner.expected_seconds(plan))
    killed = runner.finish(plan, record, jobs[victim], processes[victim], started, 0.0)
    record.kills += killed.killed
    record.kill_missed += not killed.killed
    other = 1 - victim
    processes[other].join(RUN_TIMEOUT)
    runner.finish(plan, record, jobs[other], processes[other], started)
    for changes in (first, {**second, "run_suffix": "scheduled"}):
        runner.rerun_until_done(plan, trial.scratch, record, **changes)
    runner.faults_off()
    return trial.compare(expect)


def _own_files(job: WorkerJob, index: int) -> WorkerJob:
    """Two jobs of one run write their own result and log."""
    return replace(job, result_path=job.result_path.replace(".json", f"-{index}.json"),
                   log_path=job.log_path.replace(".log", f"-{index}.log"))


def backfill_interval(mappings: list[ObjectMapping], at_ms: int) -> datetime:
    """An hour-long data interval starting at or before ``at_ms`` in which no mapping's
    reconciliation falls due (a backfill run then reads from its start, incrementally)."""
    start = datetime.fromtimestamp(at_ms / 1000, UTC).replace(minute=0, second=0,
                                                               microsecond=0)
    while any(reconcile_due(m, start, start + timedelta(hours=1)) for m in mappings):
        start -= timedelta(hours=1)
    return start


SCENARIOS: dict[str, Callable[[Trial], Tally]] = {
    "burst": burst, "late_edit": late_edit, "hostile": hostile, "malformed": malformed,
    "future_record": future_record, "future_correction": future_correction,
    "backfill_overlap": backfill_overlap,
    "snapshot_overlap": snapshot_overlap,
}
