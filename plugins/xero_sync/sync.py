"""One object, one organisation, one run: extract, transform, load, with the watermark moving
in the same transaction as the data (design decision 4).

Every ``commit_every`` pages the pages read so far are loaded and the watermark advanced in one
commit, so a crash or a day-limit stop loses nothing and repeats at most those pages. Where
Xero returns records oldest change first (``paged``, ``journals``) that intermediate watermark
is safe; elsewhere it only moves at the end of the run.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from xero_sync.auth.masking import redact
from xero_sync.client import CallCounter
from xero_sync.extract import ExtractSpec, Page
from xero_sync.mapping import ObjectMapping
from xero_sync.transform import transform
from xero_sync.warehouse.base import LoadCounts, RunContext, SyncRun, SyncState, Warehouse

log = logging.getLogger(__name__)

DEFAULT_OVERLAP = timedelta(minutes=5)
DEFAULT_COMMIT_EVERY = 5
_ORDERED_STRATEGIES = ("paged", "journals")


class PageSource(Protocol):
    """Where pages come from: the XeroHook in production."""

    def extract(self, spec: ExtractSpec, tenant_id: str, since: datetime | None = None,
                offset: int | None = None) -> Iterator[Page]:
        """Stream one object's pages for one organisation."""
        ...


@dataclass(frozen=True)
class SyncRequest:
    """What one run asks for."""

    mapping: ObjectMapping
    tenant_id: str
    run_id: str
    full_refresh: bool = False  # ignore the watermark; a complete snapshot
    modified_since: datetime | None = None  # a backfill's lower bound (never moves back)
    overlap: timedelta = DEFAULT_OVERLAP
    commit_every: int = DEFAULT_COMMIT_EVERY


@dataclass(frozen=True)
class Plan:
    """The lower bound a run reads from, and whether it reads everything."""

    since: datetime | None
    offset: int | None
    snapshot: bool  # every record is read: rows not seen are deleted in Xero


def plan(request: SyncRequest, state: SyncState) -> Plan:
    """Watermark minus overlap, a backfill's bound, or everything (full strategies/refresh)."""
    mapping = request.mapping
    snapshot = request.full_refresh or mapping.strategy == "full"
    if snapshot:
        return Plan(None, None, True)
    if mapping.strategy == "journals":
        return Plan(request.modified_since, state.watermark_int if
                    request.modified_since is None else None, False)
    if request.modified_since is not None:
        return Plan(request.modified_since, None, False)
    if state.watermark_ts is None:
        return Plan(None, None, False)
    return Plan(state.watermark_ts.replace(tzinfo=UTC) - request.overlap, None, False)


def run_sync(source: PageSource, warehouse: Warehouse, request: SyncRequest,
             calls: CallCounter | None = None) -> SyncRun:
    """Sync one object for one organisation and record the outcome in ``_sync_runs``."""
    mapping, tenant = request.mapping, request.tenant_id
    started = _now()
    context = RunContext(request.run_id, started)
    state = warehouse.read_state(mapping, tenant)
    chosen = plan(request, state)
    log.info("%s tenant %s: %s from %s", mapping.name, tenant,
             "full snapshot" if chosen.snapshot else "incremental",
             chosen.since or (f"journal {chosen.offset}" if chosen.offset else "the beginning"))
    counts = LoadCounts()
    calls_before = calls.calls if calls else 0
    pages = 0
    try:
        pages = _sync_pages(source, warehouse, request, chosen, context, counts)
    except Exception as error:
        warehouse.record_run(_outcome(request, started, counts, pages, calls, calls_before,
                                      error))
        raise
    outcome = _outcome(request, started, counts, pages, calls, calls_before, None)
    warehouse.record_run(outcome)
    log.info("%s tenant %s done: %d pages, %d inserted, %d updated, %d unchanged, %d deleted,"
             " %d quarantined", mapping.name, tenant, pages, counts.inserted, counts.updated,
             counts.unchanged, counts.deleted, counts.quarantined)
    return outcome


def _sync_pages(source: PageSource, warehouse: Warehouse, request: SyncRequest, chosen: Plan,
                context: RunContext, counts: LoadCounts) -> int:
    mapping, tenant = request.mapping, request.tenant_id
    ordered = mapping.strategy in _ORDERED_STRATEGIES and not chosen.snapshot
    pending: list[dict[str, Any]] = []
    pending_pages = pages = 0
    last: Page | None = None
    for page in source.extract(mapping.extract_spec(), tenant, chosen.since, chosen.offset):
        pages += 1
        pending.extend(page.records)
        pending_pages += 1
        last = page
        if pending_pages >= request.commit_every:
            state = _state(mapping, tenant, context, page) if ordered else None
            counts.add(warehouse.load(transform(mapping, tenant, pending), context, state))
            pending, pending_pages = [], 0
    final_state = _state(mapping, tenant, context, last)
    if pending or last is not None:
        counts.add(warehouse.load(transform(mapping, tenant, pending), context, final_state))
    if chosen.snapshot:
        counts.deleted += warehouse.mark_missing_deleted(mapping, tenant, context, final_state)
    return pages


def _state(mapping: ObjectMapping, tenant: str, context: RunContext,
           page: Page | None) -> SyncState:
    """The watermark after a page: highest UpdatedDateUTC (naive UTC) or JournalNumber."""
    mark = page.high_watermark if page is not None else None
    stamp = mark.astimezone(UTC).replace(tzinfo=None) if isinstance(mark, datetime) else None
    number = mark if isinstance(mark, int) and not isinstance(mark, bool) else None
    return SyncState(mapping.name, tenant, stamp, number, context.run_id, context.loaded_at)


def _outcome(request: SyncRequest, started: datetime, counts: LoadCounts, pages: int,
             calls: CallCounter | None, calls_before: int,
             error: BaseException | None) -> SyncRun:
    return SyncRun(
        run_id=request.run_id, object_name=request.mapping.name, tenant_id=request.tenant_id,
        started_at=started, finished_at=_now(), status="failed" if error else "success",
        calls=(calls.calls - calls_before) if calls else 0, pages=pages, counts=counts,
        error=None if error is None else redact(f"{type(error).__name__}: {error}")[:4000],
    )


def _now() -> datetime:
    """Naive UTC, as the warehouse stores times."""
    return datetime.now(UTC).replace(tzinfo=None)
