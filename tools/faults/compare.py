"""The warehouse against the sandbox's truth, counted row by row (not just asserted).

The end-to-end test (tests/e2e) asserts that keys, money sums, ``is_deleted`` and child row
counts match; a fault-injection run needs figures: how many rows were lost, how many
duplicated, over how many compared. This module reuses that test's truth and reading helpers
and its two lists of known exceptions, and counts:

* lost: keys in the truth missing from the warehouse, and child rows a parent should have but
  has not (per parent, so a surplus elsewhere cannot hide a loss);
* duplicated: duplicate keys, child rows beyond what the parent has in the truth, and child
  rows whose parent Xero never had (orphans);
* mismatched: kept rows whose money columns differ from the truth, or that are marked deleted
  while Xero has them deleted and they are not (per key, stricter than the e2e test's sums);
* deleted: rows marked ``is_deleted`` that Xero has, live: falsely deleted;
* stuck: records waiting in ``_quarantine`` that Xero now serves as good records (they should
  have left quarantine), and hostile records the trial made that are not both waiting there
  and kept in their last good version (``Expectation.held``);
* extra: rows Xero never had, or rows Xero removed that a complete snapshot failed to mark
  deleted;
* retired: rows Xero hard-deleted (Items, LinkedTransactions) that an incremental run cannot
  see; they are allowed until the next full snapshot, which must mark them deleted.

Blind-spot columns (edits that do not bump UpdatedDateUTC) are compared only after a full
snapshot; incremental runs cannot see those edits, by Xero's design.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the e2e helpers live in the repository's tests package
    sys.path.insert(0, str(ROOT))

from tests.e2e.support import (  # noqa: E402
    Deployment,
    iter_children,
    key_of,
    lookup,
    read_rows,
    visible_truth,
)
from tests.e2e.support import close_mssql_reader as close_mssql_reader  # noqa: E402 (for campaign)
from tests.e2e.test_all_dags import BLIND_SPOT_SOURCES, HARD_DELETED  # noqa: E402

from xero_sandbox.server import Sandbox  # noqa: E402
from xero_sync.dates import parse_xero_datetime  # noqa: E402
from xero_sync.mapping import ChildTable, ObjectMapping  # noqa: E402
from xero_sync.transform import child_key  # noqa: E402

MAX_PROBLEMS = 20
Record = dict[str, Any]


@dataclass
class Tally:
    """Rows compared and every kind of difference found, with the first few described."""

    compared: int = 0
    lost: int = 0
    duplicated: int = 0
    mismatched: int = 0
    extra: int = 0
    deleted: int = 0  # falsely: live in Xero
    stuck: int = 0  # in quarantine though Xero's record is good, or hostile and nowhere
    retired: int = 0
    problems: list[str] = field(default_factory=list)

    def note(self, kind: str, count: int, what: str) -> None:
        """Count ``count`` rows of a kind of difference, and describe it (the first few)."""
        if count <= 0:
            return
        setattr(self, kind, getattr(self, kind) + count)
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(f"{kind} {count}: {what}")

    def add(self, other: Tally) -> None:
        """Accumulate another comparison."""
        for name in ("compared", "lost", "duplicated", "mismatched", "extra", "deleted", "stuck",
                     "retired"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.problems.extend(other.problems[:MAX_PROBLEMS - len(self.problems)])

    @property
    def clean(self) -> bool:
        """Nothing lost, duplicated, wrong, falsely deleted, stuck or unexplained."""
        return not (self.lost or self.duplicated or self.mismatched or self.extra
                    or self.deleted or self.stuck)


@dataclass
class Ledger:
    """Every key the truth has held since a warehouse was created, per (object, tenant).

    A warehouse row whose key is not in today's truth is legitimate only if Xero once had it
    (and then hard-deleted it); a key Xero never had is a phantom.
    """

    seen: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))


@dataclass(frozen=True)
class Expectation:
    """What a comparison may assume about the run that preceded it."""

    snapshot: bool  # every object was read in full: removed rows must be marked deleted
    blind_spots: bool  # blind-spot columns must match too (only after a full snapshot)
    # (mapping, tenant, key) of the records the trial made hostile: they must wait in
    # quarantine, their last good version kept (neither lost nor marked deleted)
    held: frozenset[tuple[str, str, str]] = frozenset()


def compare(sandbox: Sandbox, deployment: Deployment, mappings: list[ObjectMapping],
            ledger: Ledger, expect: Expectation) -> Tally:
    """Every object of every organisation in the warehouse against the truth."""
    tally = Tally()
    for mapping in mappings:
        for tenant in sandbox.state.tenant_names:
            truth = visible_truth(sandbox, mapping, tenant)
            seen = ledger.seen[(mapping.name, tenant)]
            tally.add(compare_object(deployment, mapping, tenant, truth, seen, expect))
            seen.update(key_of(r[mapping.primary_key]) for r in truth)
    return tally


def compare_object(deployment: Deployment, mapping: ObjectMapping, tenant: str,
                   truth: list[Record], seen: set[str], expect: Expectation) -> Tally:
    """One object of one organisation: its table and every child table."""
    rows = read_rows(deployment, mapping.table, tenant)
    tally = compare_parents(mapping, truth, rows, seen, expect)
    held = {key for name, owner, key in expect.held if (name, owner) == (mapping.name, tenant)}
    waiting = [r for r in read_rows(deployment, "_quarantine", tenant)
               if r["object"] == mapping.name]
    tally.add(compare_quarantine(mapping, {key_of(r[mapping.key_column]) for r in rows},
                                 {key_of(r[mapping.primary_key]) for r in truth}, waiting,
                                 held))
    by_key = {key_of(r[mapping.primary_key]): r for r in truth}
    stored = {key_of(r[mapping.key_column]) for r in rows}
    for child, parent in iter_children(mapping):
        child_rows = read_rows(deployment, child.table, tenant)
        tally.add(compare_children(mapping, child, parent, by_key, stored, child_rows))
    return tally


def compare_parents(mapping: ObjectMapping, truth: list[Record], rows: list[Record],
                    seen: set[str], expect: Expectation) -> Tally:
    """Keys (lost, duplicated, extra, retired) and the values of the rows kept."""
    tally = Tally(compared=len(truth))
    name = mapping.name
    counts = Counter(key_of(r[mapping.key_column]) for r in rows)
    by_key = {key_of(r[mapping.key_column]): r for r in rows}
    truth_keys = {key_of(r[mapping.primary_key]) for r in truth}
    missing = truth_keys - set(counts)
    tally.note("lost", len(missing), f"{name}: keys {sorted(missing)[:3]}")
    doubled = {k: n - 1 for k, n in counts.items() if n > 1}
    tally.note("duplicated", sum(doubled.values()), f"{name}: keys {sorted(doubled)[:3]}")
    snapshot = expect.snapshot or mapping.strategy == "full"
    for key in sorted(set(counts) - truth_keys):
        _judge_gone(tally, mapping, key, by_key[key], key in seen, snapshot)
    for record in truth:
        row = by_key.get(key_of(record[mapping.primary_key]))
        if row is not None:
            _judge_values(tally, mapping, record, row, expect.blind_spots)
    return tally


def _judge_gone(tally: Tally, mapping: ObjectMapping, key: str, row: Record, once_seen: bool,
                snapshot: bool) -> None:
    """A stored row whose key the truth no longer (or never) had."""
    if not once_seen:
        tally.note("extra", 1, f"{mapping.name}: {key} was never in Xero")
    elif snapshot and not row["is_deleted"]:
        tally.note("extra", 1, f"{mapping.name}: {key} left Xero; the snapshot did not mark it "
                               "deleted")
    elif snapshot or mapping.name in HARD_DELETED:
        tally.retired += 1
    else:
        tally.note("extra", 1, f"{mapping.name}: {key} left Xero, which does not hard-delete "
                               "this object")


def _judge_values(tally: Tally, mapping: ObjectMapping, record: Record, row: Record,
                  blind_spots: bool) -> None:
    """Money columns and ``is_deleted`` of a kept row against its record."""
    key = key_of(record[mapping.primary_key])
    expected_deleted = bool(mapping.deleted_field) and (
        lookup(record, mapping.deleted_field or "") in mapping.deleted_values)
    if bool(row["is_deleted"]) != expected_deleted:
        kind = "deleted" if row["is_deleted"] else "mismatched"
        tally.note(kind, 1, f"{mapping.name}: {key} is_deleted {row['is_deleted']}, "
                            f"expected {expected_deleted}")
        return
    for column in mapping.columns:
        if column.type != "money":
            continue
        if not blind_spots and column.source.startswith(BLIND_SPOT_SOURCES):
            continue
        want, got = _decimal(lookup(record, column.source)), _decimal(row[column.name])
        if want != got:
            tally.note("mismatched", 1, f"{mapping.name}: {key} {column.name} {got}, "
                                        f"expected {want}")
            return


def compare_quarantine(mapping: ObjectMapping, stored: set[str], truth: set[str],
                       waiting: list[Record], held: set[str]) -> Tally:
    """Records waiting in quarantine: the hostile ones the trial made (``held``), each with
    its last good version still stored; any other record Xero has waiting there is stuck (one
    Xero no longer has may wait: no later version can replace it)."""
    tally = Tally()
    keys = Counter(key_of(r["record_key"]) for r in waiting)
    stuck = sorted(k for k in keys if k not in held and k in truth)
    tally.note("stuck", sum(keys[k] for k in stuck),
               f"{mapping.name}: records {stuck[:3]} wait in quarantine though Xero's are good")
    nowhere = sorted(k for k in held if k not in keys or k not in stored)
    tally.note("stuck", len(nowhere), f"{mapping.name}: hostile records {nowhere[:3]} are not "
                                      "both waiting in quarantine and kept in their last version")
    return tally


def compare_stamps(deployment: Deployment, mapping: ObjectMapping, tenant: str,
                   records: list[Record]) -> Tally:
    """The stored change time of each record against the truth's: a stored row later than
    Xero's record is a version Xero no longer has, which refuses every later one (newer
    wins): stuck."""
    tally = Tally()
    column = mapping.updated_column
    if column is None or mapping.updated_field is None:
        return tally
    rows = {key_of(r[mapping.key_column]): r for r in read_rows(deployment, mapping.table,
                                                                tenant)}
    for record in records:
        key = key_of(record[mapping.primary_key])
        row = rows.get(key)
        if row is None:
            continue  # counted as lost by the comparison
        stored = _naive_utc(row[column])
        wanted = parse_xero_datetime(record[mapping.updated_field])
        if stored is not None and wanted is not None and stored > _naive_utc(wanted):
            tally.note("stuck", 1, f"{mapping.name}: {key} is stored as changed {stored} UTC, "
                                   f"Xero's record at {_naive_utc(wanted)} UTC: the later "
                                   "version refuses Xero's")
    return tally


def _naive_utc(value: Any) -> datetime | None:
    """A stored or parsed time as naive UTC (SQLite stores text)."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment  # type: ignore[no-any-return]


def compare_children(mapping: ObjectMapping, child: ChildTable, parent: ChildTable | None,
                     truth_by_key: dict[str, Record], stored_parents: set[str],
                     rows: list[Record]) -> Tally:
    """Child rows per parent: missing ones are lost, surplus and orphans duplicated."""
    tally = Tally()
    got = Counter(key_of(r[mapping.key_column]) for r in rows)
    for key, record in truth_by_key.items():
        want = _expected_children(record, child, parent)
        tally.compared += want
        have = got.get(key, 0)
        tally.note("lost", want - have, f"{child.table}: parent {key} has {have} of {want}")
        tally.note("duplicated", have - want, f"{child.table}: parent {key} has {have}, "
                                              f"expected {want}")
    orphans = sum(n for k, n in got.items() if k not in truth_by_key and k not in stored_parents)
    tally.note("duplicated", orphans, f"{child.table}: rows without a parent")
    names = child_key(mapping, child)[1:]  # tenant_id is the same on every row read
    keys = Counter(tuple(key_of(r[c]) for c in names) for r in rows)
    tally.note("duplicated", sum(n - 1 for n in keys.values() if n > 1),
               f"{child.table}: duplicate keys")
    return tally


def _expected_children(record: Record, child: ChildTable, parent: ChildTable | None) -> int:
    """How many rows of ``child`` one top-level record makes (grandchildren through parent)."""
    if parent is None:
        return len(record.get(child.source) or [])
    return sum(len(item.get(child.source) or []) for item in record.get(parent.source) or [])


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))
