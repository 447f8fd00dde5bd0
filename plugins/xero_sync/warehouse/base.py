"""The warehouse interface every dialect implements, and the records it exchanges.

One call, one transaction: ``load`` stages a batch, upserts it (a row is only overwritten by
one whose UpdatedDateUTC is not older), replaces the children of the staged parents, stores
quarantined records and moves the watermark, all committed together or not at all. A crash
at any point therefore leaves data and watermark consistent, and a rerun repeats little.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from xero_sync.errors import XeroSyncError
from xero_sync.mapping import ObjectMapping
from xero_sync.progress import counted
from xero_sync.transform import Batch

DEFAULT_SCHEMA = "xero"


@dataclass(frozen=True)
class SyncState:
    """Where an object's sync stands for one organisation (a row of ``_sync_state``)."""

    object_name: str
    tenant_id: str
    watermark_ts: datetime | None = None  # highest UpdatedDateUTC loaded (naive UTC)
    watermark_int: int | None = None  # highest JournalNumber loaded
    last_run_id: str | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class RunContext:
    """The Airflow run a load belongs to (written to ``_run_id`` and ``_sync_runs``)."""

    run_id: str
    loaded_at: datetime  # naive UTC
    # The run reads every record: its loads record the keys they saw (``_sync_seen``), and
    # only such a run may mark the rows it did not see deleted.
    snapshot: bool = False


@dataclass
class LoadCounts:
    """What a load did, summed over batches for ``_sync_runs`` and the task log."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0  # staged rows not written: the stored row is newer, or identical
    deleted: int = 0  # rows marked is_deleted (statuses, or missing from a full snapshot)
    child_rows: int = 0
    quarantined: int = 0

    def add(self, other: LoadCounts) -> None:
        """Accumulate another batch's counts."""
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def __str__(self) -> str:
        """In words, for the task log (where a dataclass repr reads as code)."""
        stored = counted(self.inserted + self.updated, "record")
        return (f"{stored} stored ({self.inserted:,} new, {self.updated:,} changed), "
                f"{self.unchanged:,} already up to date, {self.deleted:,} marked deleted, "
                f"{self.quarantined:,} quarantined, {counted(self.child_rows, 'child row')} "
                "written")


@dataclass(frozen=True)
class SyncRun:
    """One task's outcome (a row of ``_sync_runs``)."""

    run_id: str
    object_name: str
    tenant_id: str
    started_at: datetime
    finished_at: datetime
    status: str  # success | failed
    calls: int
    pages: int
    counts: LoadCounts
    error: str | None = None
    quarantine_waiting: int | None = None  # records left in _quarantine after the run
    tenant_name: str | None = None  # the organisation's name in Xero, beside its id


class Warehouse(ABC):
    """SQL Server, PostgreSQL or SQLite, behind the same calls."""

    dialect: str
    schema: str = DEFAULT_SCHEMA

    @abstractmethod
    def ensure_tables(self, mappings: Sequence[ObjectMapping]) -> None:
        """Create the schema, the control tables and every mapping's tables (idempotent);
        add columns a mapping gained since (ALTER, data kept)."""

    @abstractmethod
    def run_lock(self, object_name: str, tenant_id: str, run_id: str,
                 wait: timedelta) -> AbstractContextManager[None]:
        """Hold the lock that makes runs of one object for one organisation take turns,
        waiting at most ``wait`` for another run to finish (then ``RunLocked``). It is the
        database's, tied to this connection or process, so a run that dies releases it."""

    @abstractmethod
    def read_state(self, mapping: ObjectMapping, tenant_id: str) -> SyncState:
        """The object's watermark for an organisation (empty state before the first load)."""

    @abstractmethod
    def load(self, batch: Batch, run: RunContext, state: SyncState | None,
             events_done: Sequence[str] = ()) -> LoadCounts:
        """Stage, upsert, replace children, quarantine, move the watermark to ``state`` (never
        back) and mark the webhook events ``events_done`` processed, in one transaction."""

    @abstractmethod
    def mark_missing_deleted(self, mapping: ObjectMapping, tenant_id: str, run: RunContext,
                             state: SyncState | None) -> int:
        """After a complete snapshot loaded by ``run`` (``snapshot=True``): mark deleted the
        rows whose keys its loads did not record, in one transaction with the state; returns
        how many were marked. Nothing another run writes meanwhile changes the outcome."""

    @abstractmethod
    def retry_quarantined(self, mapping: ObjectMapping, tenant_id: str,
                          run: RunContext) -> LoadCounts:
        """Transform and load again every record of the object and organisation waiting in
        ``_quarantine``, from its stored raw JSON; what loads leaves quarantine."""

    @abstractmethod
    def quarantine_waiting(self, mapping: ObjectMapping, tenant_id: str) -> int:
        """How many records of the object and organisation wait in ``_quarantine``."""

    @abstractmethod
    def reset_watermark(self, object_name: str, tenant_id: str, watermark_ts: datetime | None,
                        watermark_int: int | None, run_id: str) -> bool:
        """Set the watermarks to these values, back as well as forward (an operator's reset;
        loads never move them back); False when no state was stored and none is set."""

    def settle_webhook_events(self, tenant_id: str, category: str, received_before: datetime,
                              run_id: str) -> int:
        """After a run that read every change since its watermark (or everything): mark the
        organisation's webhook events of ``category`` received before it started processed,
        since it read their changes; returns how many. A warehouse that keeps no events
        has none (0)."""
        return 0

    @abstractmethod
    def record_run(self, run: SyncRun) -> None:
        """Append a row to ``_sync_runs`` (its own transaction)."""

    def succeeded_tenants(self, run_id: str, object_name: str) -> set[str]:
        """The organisations (lower-case ids) whose sync of the object in Airflow run
        ``run_id`` is recorded in ``_sync_runs`` as a success: a task's retry skips them.
        A warehouse that records no runs has none."""
        return set()

    @abstractmethod
    def close(self) -> None:
        """Release the connection."""


class WarehouseError(XeroSyncError):
    """A statement failed or the connection dropped; the transaction was rolled back, so
    nothing of the batch is stored and the watermark did not move. Retrying can help."""

    retryable = True
    fix = ("Check that the warehouse (connection xero_warehouse) is up and reachable: nothing "
           "of the batch was stored, and Airflow retries this task.")


class RunLocked(WarehouseError):
    """Another run of the same object for the same organisation held the run lock for longer
    than this run would wait. Nothing was read or stored; retrying after it ends helps."""

    fix = ("Nothing to do: Airflow retries this task after the other run of this object and "
           "organisation ends. If it recurs, schedule backfills and reconciliations away from "
           "the scheduled runs.")
