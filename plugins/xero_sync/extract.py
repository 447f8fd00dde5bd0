"""Extraction strategies: how each Xero object is read, page by page (design decision 3).

* ``paged``: ``page`` + ``pageSize`` (1000) + If-Modified-Since, oldest change first. When
  the order is UpdatedDateUTC ascending, each page after the first is asked for by moving
  If-Modified-Since up to the last page's newest change (keyset paging, below).
* ``modified_since``: one call with If-Modified-Since (endpoints that do not page).
* ``full``: everything, every run (objects without a change timestamp, and reconciliations);
  paged where the endpoint pages.
* ``journals``: ``offset`` = the last JournalNumber seen, 100 journals a call.
* ``client_filtered``: paged without If-Modified-Since, filtered on UpdatedDateUTC here
  (LinkedTransactions: Xero ignores the header there).

Pages are yielded as they arrive, so memory stays flat however large the organisation; each
page carries the highest UpdatedDateUTC (or JournalNumber) seen so far, for the next watermark.

Why keyset paging. Page numbers count positions in a list that moves: a record edited while a
sync pages through it jumps to the end, every later record moves up one place, and the one
that crosses into the page already read is never read (nor by the next run, whose watermark is
past it; a full snapshot would even mark it deleted). Asking instead for "changed since the
newest change read, less a second" (If-Modified-Since counts whole seconds, and whether it
keeps the boundary second is not documented) re-reads only that last second or two; the
records read twice are dropped here by id and timestamp. When a whole page lies within that
window (a bulk import stamping a thousand records in one second), the next page number of the
same window is read instead, so the paging always advances.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from xero_sync.client import Limits, XeroClient
from xero_sync.dates import parse_xero_datetime
from xero_sync.errors import ConfigurationError
from xero_sync.mapping import STRATEGIES

log = logging.getLogger(__name__)

XERO_DEFAULT_PAGE = 100
JOURNALS_PER_CALL = 100

Watermark = datetime | int | None


@dataclass(frozen=True)
class ExtractSpec:
    """What to read for one object; built from its mapping file."""

    name: str  # mapping name, e.g. "invoices"
    resource: str  # path segment, e.g. "Invoices"
    collection: str  # JSON collection key, e.g. "Invoices"
    strategy: str
    api: str = "accounting"
    updated_field: str | None = "UpdatedDateUTC"
    paged: bool = False  # the endpoint accepts `page`
    page_size_param: bool = False  # ... and `pageSize`
    params: Mapping[str, str] = field(default_factory=dict)
    id_field: str | None = None  # the record's Xero id (drops records keyset paging re-reads)

    @property
    def keyset(self) -> bool:
        """Whether pages can be asked for by If-Modified-Since: paged incrementally, oldest
        change first by an explicit order, and records carry their id."""
        order = self.params.get("order", "").replace(" ", "").lower()
        return (self.strategy == "paged" and self.paged and self.id_field is not None
                and self.updated_field is not None
                and order in ("updateddateutc", "updateddateutcasc"))

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise ConfigurationError(
                f"{self.name}: strategy {self.strategy!r} is not one of {', '.join(STRATEGIES)}"
            )


@dataclass(frozen=True)
class Page:
    """One response's records and where the extraction stands."""

    records: list[dict[str, Any]]
    number: int
    count: int | None  # pages in all, when Xero says
    limits: Limits
    high_watermark: Watermark
    server_time: datetime | None = None  # Xero's clock when it answered (Date header)


def extract(client: XeroClient, spec: ExtractSpec, tenant_id: str,
            since: datetime | None = None, offset: int | None = None,
            page_size: int = 1000) -> Iterator[Page]:
    """Yield the pages of one object for one organisation, by the spec's strategy."""
    if spec.strategy == "journals":
        pages = _journals(client, spec, tenant_id, since, offset or 0)
    elif spec.strategy == "modified_since":
        pages = _single(client, spec, tenant_id, since)
    elif spec.strategy == "full" and not spec.paged:
        pages = _single(client, spec, tenant_id, None)
    else:
        ims = since if spec.strategy == "paged" else None
        pages = (_keyset(client, spec, tenant_id, ims, page_size) if spec.keyset else
                 _paged(client, spec, tenant_id, ims, page_size))
        if spec.strategy == "client_filtered" and since is not None:
            pages = _filtered(pages, spec, since)
    for page in pages:
        log.info("%s tenant %s page %d/%s: %d rows; limits left: minute %s, day %s",
                 spec.name, tenant_id, page.number, page.count or "?", len(page.records),
                 page.limits.minute_remaining, page.limits.day_remaining)
        yield page


def _single(client: XeroClient, spec: ExtractSpec, tenant_id: str,
            since: datetime | None) -> Iterator[Page]:
    response = client.get(spec.resource, tenant_id, spec.params, since, spec.api)
    records = list(response.body.get(spec.collection, []))
    yield Page(records, 1, 1, response.limits, _max_updated(records, spec, None),
               response.server_time)


def _paged(client: XeroClient, spec: ExtractSpec, tenant_id: str, since: datetime | None,
           page_size: int) -> Iterator[Page]:
    """Page numbers from 1 until Xero's page count, or a short page where it gives none."""
    size, params = _page_request(spec, page_size)
    number = 1
    watermark: Watermark = None
    while True:
        response = client.get(spec.resource, tenant_id, {**params, "page": str(number)}, since,
                              spec.api)
        records = list(response.body.get(spec.collection, []))
        count = (response.body.get("pagination") or {}).get("pageCount")
        watermark = _max_updated(records, spec, watermark)
        yield Page(records, number, count, response.limits, watermark, response.server_time)
        if len(records) < size or (count is not None and number >= count):
            return
        number += 1


def _page_request(spec: ExtractSpec, page_size: int) -> tuple[int, dict[str, str]]:
    """The records a full page holds, and the query parameters every page request sends."""
    size = page_size if spec.page_size_param else XERO_DEFAULT_PAGE
    params = dict(spec.params)
    if spec.page_size_param:
        params["pageSize"] = str(size)
    return size, params


def _keyset(client: XeroClient, spec: ExtractSpec, tenant_id: str, since: datetime | None,
            page_size: int) -> Iterator[Page]:
    """Pages by a moving If-Modified-Since (module docstring); stops at a short page."""
    size, params = _page_request(spec, page_size)
    window = since if since is None or since.tzinfo else since.replace(tzinfo=UTC)
    number, calls = 1, 0
    count: int | None = None
    watermark: Watermark = None
    previous: dict[Any, Any] = {}  # id -> UpdatedDateUTC of the last page's records
    while True:
        response = client.get(spec.resource, tenant_id, {**params, "page": str(number)}, window,
                              spec.api)
        calls += 1
        records = list(response.body.get(spec.collection, []))
        if count is None:  # the first window's page count: the progress the log shows
            count = (response.body.get("pagination") or {}).get("pageCount")
        fresh = [r for r in records if r.get(spec.id_field) not in previous
                 or previous[r.get(spec.id_field)] != r.get(spec.updated_field)]
        watermark = _max_updated(records, spec, watermark)
        # The first window's page count; a moved window can need a call more (shown as "?").
        yield Page(fresh, calls, count if count is None or calls <= count else None,
                   response.limits, watermark, response.server_time)
        if len(records) < size:
            return
        previous = {r.get(spec.id_field): r.get(spec.updated_field) for r in records}
        newest = _max_updated(records, spec, None)
        moved = (None if not isinstance(newest, datetime) else
                 newest.replace(microsecond=0) - timedelta(seconds=1))
        if moved is not None and (window is None or moved > window):
            window, number = moved, 1
        else:  # the whole page is within the window: the next page of the same window
            number += 1


def _journals(client: XeroClient, spec: ExtractSpec, tenant_id: str, since: datetime | None,
              offset: int) -> Iterator[Page]:
    """JournalNumber greater than ``offset``, 100 a call, until a short batch."""
    number = 1
    while True:
        params = {**spec.params, "offset": str(offset)}
        response = client.get(spec.resource, tenant_id, params, since, spec.api)
        records = list(response.body.get(spec.collection, []))
        if records:
            offset = max(int(r["JournalNumber"]) for r in records)
        yield Page(records, number, None, response.limits, offset, response.server_time)
        if len(records) < JOURNALS_PER_CALL:
            return
        number += 1


def _filtered(pages: Iterator[Page], spec: ExtractSpec, since: datetime) -> Iterator[Page]:
    """Keep what changed since ``since``, at second precision as If-Modified-Since would."""
    floor = since.replace(microsecond=0)
    for page in pages:
        kept = [r for r in page.records if _changed_since(r, spec, floor)]
        yield Page(kept, page.number, page.count, page.limits, page.high_watermark,
                   page.server_time)


def _updated(record: Mapping[str, Any], spec: ExtractSpec) -> datetime | None:
    value = record.get(spec.updated_field) if spec.updated_field else None
    parsed = parse_xero_datetime(value) if isinstance(value, str) else None
    return parsed if isinstance(parsed, datetime) else None


def _changed_since(record: Mapping[str, Any], spec: ExtractSpec, floor: datetime) -> bool:
    moment = _updated(record, spec)
    return moment is None or moment.replace(microsecond=0) >= floor


def _max_updated(records: list[dict[str, Any]], spec: ExtractSpec,
                 current: Watermark) -> Watermark:
    """The highest change timestamp seen so far (None for objects without one)."""
    best = current if isinstance(current, datetime) else None
    for record in records:
        moment = _updated(record, spec)
        if moment is not None and (best is None or moment > best):
            best = moment
    return best
