"""One object, one organisation, one run: extract, transform, load, with the watermark moving
in the same transaction as the data (design decision 4).

Whenever the pages read so far hold ``commit_rows`` records (500) or number ``commit_every``
pages (5: journals come 100 a call), they are loaded, ``commit_rows`` records a commit, and
the last of those commits advances the watermark with its data, so a crash or a day-limit stop
loses nothing and repeats at most those pages (a page of 1,000 is two commits: a crash between
them stores half of it and repeats it whole), and memory holds one commit's frames however
large the organisation. Where Xero
returns records oldest change first (``paged``, ``journals``) that intermediate watermark is
safe: it is the newest change loaded, and the next run reads from it less the overlap, so the
records of the same second still unread (on the next page) are read again; elsewhere it only
moves at the end of the run. While a page is transformed and loaded the next one is already
being fetched, one page ahead and no more (``xero_sync.readahead``).

Runs of one object for one organisation take turns: the run holds the warehouse's run lock
from reading the state to its last commit (``Warehouse.run_lock``). A second run, such as a
backfill beside a scheduled run (Airflow counts them separately), waits at most
``XERO_SYNC_RUN_LOCK_WAIT_SECONDS`` (default 600) and then fails with ``RunLocked``, which the
task's retries repeat; it does not skip, since a skipped run would look green while nothing
was synced.

The watermark never passes Xero's own clock (the response's ``Date`` header, else ours): one
record stamped in the future (bad data, 9999-12-31, a skewed clock) would otherwise move it
there for good and every later run would read nothing. Such records are stored, and those
beyond a small skew (``MAX_CLOCK_SKEW``) are named in a warning. The clamp adds no skew: the next
run reads from the watermark minus the overlap, and only a watermark at or below Xero's clock
keeps the whole overlap below the moment Xero answered, where an edit committed late (stamped
before that answer, visible after it) is found. A watermark already stored in the future (by an
older version) is reset and the run reads every record again, so what changed meanwhile is not
missed.

Records waiting in quarantine are retried at the start of every run (``Warehouse
.retry_quarantined``); the log and ``_sync_runs.quarantine_waiting`` say how many still wait.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from xero_sync.auth.masking import redact
from xero_sync.client import CallCounter
from xero_sync.dates import MAX_CLOCK_SKEW, parse_xero_datetime
from xero_sync.errors import ConfigurationError
from xero_sync.extract import ExtractSpec, Page
from xero_sync.mapping import ObjectMapping
from xero_sync.memory import release_free_memory
from xero_sync.progress import counted, subject
from xero_sync.readahead import ReadAhead
from xero_sync.transform import transform
from xero_sync.warehouse.base import (
    LoadCounts,
    RunContext,
    SyncRun,
    SyncState,
    Warehouse,
    WarehouseError,
)

log = logging.getLogger(__name__)

DEFAULT_OVERLAP = timedelta(minutes=5)
DEFAULT_COMMIT_EVERY = 5  # pages, at most, between commits
DEFAULT_COMMIT_ROWS = 500  # records, at least, that make a commit (a page of 1,000 is one)
DEFAULT_LOCK_WAIT = timedelta(minutes=10)
LOCK_WAIT_VARIABLE = "XERO_SYNC_RUN_LOCK_WAIT_SECONDS"
_ORDERED_STRATEGIES = ("paged", "journals")
# A scheduled run settles the webhook events received this long before it started: the
# receiver's clock may run ahead of the worker's.
SETTLE_MARGIN = timedelta(minutes=1)
_FUTURE_NAMED = 20  # future records named per warning (the count is always given)


def default_lock_wait() -> timedelta:
    """How long a run waits for another run of its object and organisation:
    ``XERO_SYNC_RUN_LOCK_WAIT_SECONDS`` when set, else ten minutes (a waiting task holds a
    slot of the ``xero_api`` pool)."""
    value = os.environ.get(LOCK_WAIT_VARIABLE, "").strip()
    if not value:
        return DEFAULT_LOCK_WAIT
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < 86_400:
        raise ConfigurationError(
            f"{LOCK_WAIT_VARIABLE} is {value!r}; expected the seconds a run waits for another "
            "run of the same object and organisation, from 0 to 86399 (e.g. 600), or unset it"
        )
    return timedelta(seconds=seconds)


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
    commit_rows: int = DEFAULT_COMMIT_ROWS
    read_ahead: bool = True  # fetch the next page while this one is loaded (xero_sync.readahead)
    lock_wait: timedelta = field(default_factory=default_lock_wait)  # for another run
    tenant_name: str | None = None  # the organisation's name, for _sync_runs


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
    """Sync one object for one organisation, holding its run lock throughout, and record the
    outcome in ``_sync_runs``. A run that read every change since its watermark (or every
    record) then settles the object's webhook events received before it started."""
    started = _now()
    outcome = run_locked(warehouse, request, calls, lambda counts: _locked_run(
        source, warehouse, request, started, counts), started)
    if request.mapping.webhooks and request.modified_since is None:
        _settle_webhook_events(warehouse, request, started)
    return outcome


def run_locked(warehouse: Warehouse, request: SyncRequest, calls: CallCounter | None,
               work: Callable[[LoadCounts], tuple[int, int]],
               started: datetime | None = None) -> SyncRun:
    """Run ``work`` (it fills the counts and returns pages read and records left in
    quarantine) under the run lock of the request's object and organisation; record the
    outcome in ``_sync_runs``, a failure too (then re-raised)."""
    mapping, tenant = request.mapping, request.tenant_id
    started = started or _now()
    counts = LoadCounts()
    calls_before = calls.calls if calls else 0
    try:
        with warehouse.run_lock(mapping.name, tenant, request.run_id, request.lock_wait):
            pages, waiting = work(counts)
    except Exception as error:
        _record_failure(warehouse, _outcome(request, started, counts, 0, calls, calls_before,
                                            error))
        raise
    outcome = _outcome(request, started, counts, pages, calls, calls_before, None, waiting)
    warehouse.record_run(outcome)
    log.info("%s: done in %.1f s, %s read%s; %s; %s waiting in quarantine",
             subject(mapping.name, tenant), (outcome.finished_at - started).total_seconds(),
             counted(pages, "page"), f" with {counted(outcome.calls, 'call')} to Xero"
             if calls else "", counts, f"{waiting:,}")
    return outcome


def _settle_webhook_events(warehouse: Warehouse, request: SyncRequest,
                           started: datetime) -> None:
    """Mark processed the webhook events received (by the receiver's clock, allowed
    ``SETTLE_MARGIN`` of skew) before the run started: it read their changes. A failure here
    leaves them pending, to be read by id: logged, never failing a run whose data is stored."""
    mapping, tenant = request.mapping, request.tenant_id
    try:
        settled = warehouse.settle_webhook_events(tenant, str(mapping.webhooks),
                                                  started - SETTLE_MARGIN, request.run_id)
    except Exception as error:
        log.warning("%s: could not mark the webhook events this run covered as "
                    "processed (%s: %s); a webhook run will read their records by id",
                    subject(mapping.name, tenant), type(error).__name__, error)
        return
    if settled:
        log.info("%s: %d webhook event(s) received before this run started are "
                 "processed by it", subject(mapping.name, tenant), settled)


def _locked_run(source: PageSource, warehouse: Warehouse, request: SyncRequest,
                started: datetime, counts: LoadCounts) -> tuple[int, int]:
    """Everything between taking and leaving the run lock; returns pages read and records
    left waiting in quarantine."""
    mapping, tenant = request.mapping, request.tenant_id
    state = _trusted(warehouse, request, warehouse.read_state(mapping, tenant))
    chosen = plan(request, state)
    log.info("%s: %s", subject(mapping.name, tenant), _reading(chosen))
    context = RunContext(request.run_id, started, snapshot=chosen.snapshot)
    _retry_quarantined(warehouse, mapping, tenant, context, counts)
    pages = _sync_pages(source, warehouse, request, chosen, context, counts)
    return pages, warehouse.quarantine_waiting(mapping, tenant)


def _reading(chosen: Plan) -> str:
    """What a run reads, in words."""
    if chosen.snapshot:
        return "reading every record (a full snapshot: rows not read are marked deleted)"
    if chosen.since is not None:
        since = chosen.since.astimezone(UTC) if chosen.since.tzinfo else chosen.since
        return f"reading the records changed since {since:%Y-%m-%d %H:%M:%S} UTC"
    if chosen.offset:
        return f"reading the journals after journal number {chosen.offset:,}"
    return "reading every record (no watermark yet)"


def _trusted(warehouse: Warehouse, request: SyncRequest, state: SyncState) -> SyncState:
    """The state, with a watermark stored in the future (by a version that did not clamp it)
    reset: from there every run would read nothing. Where it came from is unknown, so the run
    reads from the beginning (incrementally: nothing is marked deleted)."""
    ceiling = _now() + MAX_CLOCK_SKEW
    if state.watermark_ts is None or state.watermark_ts <= ceiling:
        return state
    mapping, tenant = request.mapping, request.tenant_id
    log.warning("%s: the stored watermark %s UTC is in the future (now %s UTC): a "
                "record stamped in the future moved it there, and runs since have read "
                "nothing changed after it. It is reset, and this run reads every record again "
                "so that nothing changed meanwhile is missed", subject(mapping.name, tenant),
                state.watermark_ts, _now())
    warehouse.reset_watermark(mapping.name, tenant, None, state.watermark_int, request.run_id)
    return replace(state, watermark_ts=None)


def _retry_quarantined(warehouse: Warehouse, mapping: ObjectMapping, tenant: str,
                       context: RunContext, counts: LoadCounts) -> None:
    """Retry the records waiting in quarantine; their writes count as this run's. A record
    that breaks the retry itself must not stop the sync of everything else: logged, kept."""
    try:
        retried = warehouse.retry_quarantined(mapping, tenant, context)
    except WarehouseError:
        raise
    except Exception as error:
        log.warning("%s: retrying the quarantined records failed (%s: %s); they stay "
                    "in quarantine and this run goes on", subject(mapping.name, tenant),
                    type(error).__name__, error)
        return
    total = retried.inserted + retried.updated + retried.unchanged + retried.quarantined
    if total:
        log.info("%s: retried %d quarantined records: %d stored (%d inserted, %d "
                 "updated), %d superseded by a stored newer version or identical, %d still "
                 "refused", subject(mapping.name, tenant), total,
                 retried.inserted + retried.updated, retried.inserted, retried.updated,
                 retried.unchanged, retried.quarantined)
    counts.inserted += retried.inserted
    counts.updated += retried.updated
    counts.deleted += retried.deleted
    counts.child_rows += retried.child_rows


def _record_failure(warehouse: Warehouse, outcome: SyncRun) -> None:
    """Record a failed run; if that fails too (the warehouse dropped: the usual reason for the
    failure), log it and let the run's own error through, which says what happened."""
    try:
        warehouse.record_run(outcome)
    except Exception as error:
        log.warning("%s: could not record the failed run in _sync_runs (%s: %s); the "
                    "run's own error follows", subject(outcome.object_name, outcome.tenant_id),
                    type(error).__name__, error)


def _sync_pages(source: PageSource, warehouse: Warehouse, request: SyncRequest, chosen: Plan,
                context: RunContext, counts: LoadCounts) -> int:
    """Read the pages (one ahead in a thread unless the request says not to) and load them;
    returns how many were read."""
    mapping, tenant = request.mapping, request.tenant_id
    pages = source.extract(mapping.extract_spec(), tenant, chosen.since, chosen.offset)
    if not request.read_ahead:
        return _load_pages(pages, warehouse, request, chosen, context, counts)
    with ReadAhead(pages, name=f"xero-read-ahead {mapping.name} {tenant}") as ahead:
        return _load_pages(ahead, warehouse, request, chosen, context, counts)


def _load_pages(pages: Iterator[Page], warehouse: Warehouse, request: SyncRequest,
                chosen: Plan, context: RunContext, counts: LoadCounts) -> int:
    """Load the pages read so far whenever they hold ``commit_rows`` records or number
    ``commit_every`` pages, each page freed as soon as its records are loaded: memory holds
    one commit's records (and the page read ahead) however large the organisation."""
    mapping, tenant = request.mapping, request.tenant_id
    ordered = mapping.strategy in _ORDERED_STRATEGIES and not chosen.snapshot
    pending: list[dict[str, Any]] = []
    pending_pages = read = 0
    state = _state(request, context, None)
    for page in pages:
        read += 1
        _warn_future(mapping, tenant, page, _skew(request))
        pending.extend(page.records)
        pending_pages += 1
        state = _state(request, context, page)
        del page  # its records live on in ``pending`` only until they are loaded
        if pending_pages >= request.commit_every or len(pending) >= request.commit_rows:
            counts.add(_load(warehouse, request, pending, context, state if ordered else None))
            pending_pages = 0
    if pending or read:
        counts.add(_load(warehouse, request, pending, context, state))
    if chosen.snapshot:
        counts.deleted += warehouse.mark_missing_deleted(mapping, tenant, context, state)
    return read


def _load(warehouse: Warehouse, request: SyncRequest, records: list[dict[str, Any]],
          context: RunContext, state: SyncState | None) -> LoadCounts:
    """Transform and load ``records``, ``commit_rows`` a commit, the last one with ``state``
    (the others move no watermark: a crash between them repeats the page, loses nothing).
    Each chunk leaves the list once transformed, so its records are freed while its frames
    are loaded."""
    counts = LoadCounts()
    size = max(request.commit_rows, 1)
    while True:
        chunk = records[:size]
        del records[:size]
        batch = transform(request.mapping, request.tenant_id, chunk)
        del chunk
        counts.add(warehouse.load(batch, context, None if records else state))
        del batch
        release_free_memory()
        if not records:
            return counts


def _state(request: SyncRequest, context: RunContext, page: Page | None) -> SyncState:
    """The watermark after a page: highest UpdatedDateUTC (naive UTC), at most Xero's clock
    (the module docstring says why no skew); or the highest JournalNumber."""
    mapping, tenant = request.mapping, request.tenant_id
    mark = page.high_watermark if page is not None else None
    stamp = None
    if isinstance(mark, datetime) and page is not None:
        stamp = min(mark.astimezone(UTC), _ceiling(page, timedelta(0))).replace(tzinfo=None)
    number = mark if isinstance(mark, int) and not isinstance(mark, bool) else None
    return SyncState(mapping.name, tenant, stamp, number, context.run_id, context.loaded_at)


def _skew(request: SyncRequest) -> timedelta:
    """How far past Xero's clock a change may be stamped before it is named as bad data:
    ``MAX_CLOCK_SKEW``, at most the overlap."""
    return min(MAX_CLOCK_SKEW, request.overlap)


def _ceiling(page: Page, skew: timedelta) -> datetime:
    """Xero's clock when the page was answered (its ``Date`` header; ours when absent) plus
    ``skew``."""
    return (page.server_time or datetime.now(UTC)).astimezone(UTC) + skew


def _warn_future(mapping: ObjectMapping, tenant: str, page: Page, skew: timedelta) -> None:
    """Name the page's records changed more than the skew after Xero's clock: they are stored,
    but the watermark stops short of them (``_state``), so someone should correct them in
    Xero."""
    ceiling = _ceiling(page, skew)
    newest = page.high_watermark  # the newest change read so far: usually nothing to look at
    if mapping.updated_field is None or not isinstance(newest, datetime) or newest <= ceiling:
        return
    future = []
    for record in page.records:
        value = record.get(mapping.updated_field) if isinstance(record, dict) else None
        try:
            moment = parse_xero_datetime(value) if isinstance(value, str) else None
        except (ValueError, OverflowError):
            continue  # the transform quarantines it, naming the field
        if isinstance(moment, datetime) and moment > ceiling:
            future.append(f"{record.get(mapping.primary_key)} ({mapping.updated_field} "
                          f"{moment:%Y-%m-%d %H:%M:%S} UTC)")
    if future:
        more = f" and {len(future) - _FUTURE_NAMED} more" if len(future) > _FUTURE_NAMED else ""
        log.warning("%s: %d record(s) changed in the future by Xero's clock (%s UTC): "
                    "%s%s. They are stored, but the watermark stops at Xero's clock so that "
                    "later changes are still read; correct their dates in Xero",
                    subject(mapping.name, tenant), len(future),
                    f"{ceiling - skew:%Y-%m-%d %H:%M:%S}", ", ".join(future[:_FUTURE_NAMED]),
                    more)


def _outcome(request: SyncRequest, started: datetime, counts: LoadCounts, pages: int,
             calls: CallCounter | None, calls_before: int, error: BaseException | None,
             waiting: int | None = None) -> SyncRun:
    return SyncRun(
        run_id=request.run_id, object_name=request.mapping.name, tenant_id=request.tenant_id,
        started_at=started, finished_at=_now(), status="failed" if error else "success",
        calls=(calls.calls - calls_before) if calls else 0, pages=pages, counts=counts,
        error=None if error is None else redact(f"{type(error).__name__}: {error}")[:4000],
        quarantine_waiting=waiting, tenant_name=request.tenant_name,
    )


def _now() -> datetime:
    """Naive UTC, as the warehouse stores times."""
    return datetime.now(UTC).replace(tzinfo=None)
