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
Once a page is yielded it is the caller's: every loop here lets go of its records before
asking for the next page (``del``), so a page the sync has loaded is freed then, not held
while the next one is read and parsed.

Why keyset paging. Page numbers count positions in a list that moves: a record edited while a
sync pages through it jumps to the end, every later record moves up one place, and the one
that crosses into the page already read is never read (nor by the next run, whose watermark is
past it; a full snapshot would even mark it deleted). Asking instead for "changed since the
newest change read, less a second" (If-Modified-Since counts whole seconds, and whether it
keeps the boundary second is not documented) re-reads only that last second or two; the
records read twice are dropped here by id and timestamp. When a whole page lies within that
window (a bulk import stamping a thousand records in one second), the next page number of the
same window is read instead, so the paging always advances.

Why every loop checks that it advances. A server (or a proxy in front of it) that ignores
``page``, ``offset`` or If-Modified-Since answers every request with the same records: read
naively, that is an endless loop, or one that spends the organisation's day of calls. So a
page whose records were all on the page before it (at the same window), a keyset page whose
every record changed before the window asked for, and a journals batch that does not move the
offset past the last one all raise ``PagingStalled`` naming the endpoint, the organisation
and what repeated; page-number paging also stops at Xero's ``pagination.pageCount``.

Bad records do not stop a page: an item that is not an object, or whose change time or
JournalNumber cannot be read, is passed on for the transform to quarantine and never moves
the watermark or the offset.

Why some records are read twice. Where a list gives only a summary of each record (Payroll
AU's employees: no address, tax declaration, bank accounts or leave balances; only
``GET Employees/{id}`` has them), loading the list would store NULLs and, since a loaded
parent's child rows are replaced, delete the stored ones on every run. A mapping with
``read_each_by_id`` therefore has every listed record read again by id, through the same
client (rate limiter, retries), and its pages carry those whole records, whatever the run
(incremental, full refresh, reconciliation, webhook). The list still decides what is read
and the watermark: one call per listed record on top of the list's.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from xero_sync.client import API_BASES, ApiResponse, Limits, XeroClient
from xero_sync.dates import parse_xero_datetime
from xero_sync.errors import ConfigurationError, MalformedResponse, PagingStalled, XeroApiError
from xero_sync.progress import calls_left, counted, page_read, subject
from xero_sync.strategies import JOURNAL_NUMBER, ExtractSpec, journal_number

log = logging.getLogger(__name__)

XERO_DEFAULT_PAGE = 100
JOURNALS_PER_CALL = 100
IDS_PER_CALL = 50  # records asked for by id in one call (a webhook run)
BY_ID_PROGRESS_EVERY = 25  # records read one by one (read_each_by_id): a log line this often
# List-only query parameters, not sent when one record is read by id.
_LIST_ONLY_PARAMS = frozenset({"order", "where", "page", "pageSize"})

Watermark = datetime | int | None


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
    if spec.read_each_by_id:
        pages = _each_by_id(client, spec, tenant_id, pages)
    for page in pages:
        log.info("%s", page_read(spec.name, tenant_id, page.number, page.count,
                                 len(page.records), page.limits.minute_remaining,
                                 page.limits.day_remaining))
        yield page
        del page  # the caller's now (module docstring)


def extract_ids(client: XeroClient, spec: ExtractSpec, tenant_id: str,
                ids: list[str]) -> Iterator[Page]:
    """The records with these ids (a webhook run): ``_ids_pages``, each record then read
    again by id where the list gives a summary (``read_each_by_id``, module docstring)."""
    pages = _ids_pages(client, spec, tenant_id, ids)
    return _each_by_id(client, spec, tenant_id, pages) if spec.read_each_by_id else pages


def _ids_pages(client: XeroClient, spec: ExtractSpec, tenant_id: str,
               ids: list[str]) -> Iterator[Page]:
    """The records with these ids, ``IDS_PER_CALL`` a call, one page each.

    By the spec's ``ids_filter`` (Xero's ``IDs``) where the endpoint has one, else by ``where``
    (``<id>==Guid("…") OR …``); with the mapping's own parameters (``includeArchived`` finds
    archived contacts) and ``page=1`` where the endpoint pages, because a paged answer carries
    whole records (line items included). No If-Modified-Since: every record asked for is
    read, whatever its change time. A record Xero does not return (deleted for good, or never
    listed) is simply absent; records not asked for (a filter ignored) are dropped, never
    stored as if asked for."""
    wanted = [_guid(spec, value) for value in ids]
    chunks = [wanted[i:i + IDS_PER_CALL] for i in range(0, len(wanted), IDS_PER_CALL)]
    for number, chunk in enumerate(chunks, start=1):
        response = _get(client, spec, tenant_id, _ids_params(spec, chunk), None)
        asked = set(chunk)
        records = _records(response, spec)
        kept = [r for r in records if _key(r, spec) in asked]
        if len(kept) < len(records):
            log.warning("%s: Xero answered %d record(s) not asked for by id; they "
                        "were dropped", subject(spec.name, tenant_id), len(records) - len(kept))
        missing = len(asked) - len({_key(r, spec) for r in kept})
        log.info("%s: call %d of %d by id, %d asked for, %d returned%s",
                 subject(spec.name, tenant_id), number, len(chunks), len(chunk), len(kept),
                 f" ({missing} not returned: deleted in Xero, or not listed)" if missing else "")
        yield Page(kept, number, len(chunks), response.limits, _max_updated(kept, spec, None),
                   response.server_time)


def _each_by_id(client: XeroClient, spec: ExtractSpec, tenant_id: str,
                pages: Iterator[Page]) -> Iterator[Page]:
    """Each page with its records read again by id, one call each (module docstring: why).

    An item without an id (or not an object) is passed on as it is, for the transform to
    quarantine. A record Xero no longer has (404: deleted between the list and the read) is
    left out, named in a warning: a snapshot then marks it deleted, as it would had the list
    not shown it. The page keeps the list's watermark (a record changed since the list was
    read is newer than it, so the next run reads it again) and carries the call limits and
    Xero's clock of its last answer."""
    params = {k: v for k, v in spec.params.items() if k not in _LIST_ONLY_PARAMS}
    read = 0
    for page in pages:
        records: list[Any] = []
        limits, clock = page.limits, page.server_time
        for record in page.records:
            key = record.get(spec.id_field or "") if isinstance(record, dict) else None
            if key is None or key == "":
                records.append(record)
                continue
            response = _one(client, spec, tenant_id, str(key), params)
            if response is None:
                continue
            records.append(_the_record(response, spec, tenant_id, str(key)))
            limits, clock = response.limits, response.server_time or clock
            read += 1
            if read % BY_ID_PROGRESS_EVERY == 0:
                left = calls_left(limits.minute_remaining, limits.day_remaining)
                log.info("%s: %s read by id so far, one call each (page %d)%s",
                         subject(spec.name, tenant_id), counted(read, "record"), page.number,
                         f"; {left}" if left else "")
        yield replace(page, records=records, limits=limits, server_time=clock)
        del page, records  # the caller's now (module docstring)


def _one(client: XeroClient, spec: ExtractSpec, tenant_id: str, key: str,
         params: Mapping[str, str]) -> ApiResponse | None:
    """``GET <resource>/<id>``; None when Xero no longer has the record (404)."""
    try:
        return client.get(f"{spec.resource}/{quote(key, safe='')}", tenant_id, params, None,
                          spec.api, spec.collection)
    except XeroApiError as error:
        if error.status != 404:
            raise
    log.warning("%s: %s %s was listed but is gone when read by id (deleted in Xero "
                "meanwhile); it is left out of this run", subject(spec.name, tenant_id),
                spec.id_field, key)
    return None


def _the_record(response: ApiResponse, spec: ExtractSpec, tenant_id: str, key: str) -> Any:
    """The record asked for, from an answer by id. An answer without it fails the run rather
    than fall back on the summary, whose load would delete the record's stored child rows."""
    for record in _records(response, spec):
        if _key(record, spec) == key.lower():
            return record
    raise MalformedResponse(
        f"{spec.name}: Xero's {API_BASES.get(spec.api, spec.api)}/{spec.resource}/{key} for "
        f"organisation {tenant_id} answered without that {spec.id_field}; nothing more of "
        "this run is loaded, and the next run reads it again")


def _key(record: Any, spec: ExtractSpec) -> str | None:
    """A record's id as text in lower case, as ids asked for are compared (GUIDs ignore case);
    None for an item that is not an object."""
    return str(record.get(spec.id_field or "")).lower() if isinstance(record, dict) else None


def _guid(spec: ExtractSpec, value: str) -> str:
    """An id as Xero's filters take it; anything but a GUID is refused (it would be spliced
    into ``where``)."""
    try:
        return str(uuid.UUID(str(value))).lower()
    except ValueError:
        raise ConfigurationError(
            f"{spec.name}: {value!r} is not a Xero id (a GUID); records are read by id only "
            "for objects keyed by a GUID") from None


def _ids_params(spec: ExtractSpec, ids: list[str]) -> dict[str, str]:
    params = dict(spec.params)
    if spec.ids_filter:
        params[spec.ids_filter] = ",".join(ids)
    else:
        matches = " OR ".join(f'{spec.id_field}==Guid("{value}")' for value in ids)
        params["where"] = f"({params['where']}) AND ({matches})" if params.get("where") \
            else matches
    if spec.paged:
        params["page"] = "1"
    return params


def _get(client: XeroClient, spec: ExtractSpec, tenant_id: str, params: Mapping[str, str],
         since: datetime | None) -> ApiResponse:
    """One request; the client checks that the body holds the collection as a list."""
    return client.get(spec.resource, tenant_id, params, since, spec.api, spec.collection)


def _records(response: ApiResponse, spec: ExtractSpec) -> list[Any]:
    return list(response.body[spec.collection])


def _page_count(response: ApiResponse) -> int | None:
    pagination = response.body.get("pagination")
    count = pagination.get("pageCount") if isinstance(pagination, dict) else None
    return count if isinstance(count, int) and not isinstance(count, bool) else None


def _single(client: XeroClient, spec: ExtractSpec, tenant_id: str,
            since: datetime | None) -> Iterator[Page]:
    response = _get(client, spec, tenant_id, spec.params, since)
    records = _records(response, spec)
    yield Page(records, 1, 1, response.limits, _max_updated(records, spec, None),
               response.server_time)


def _paged(client: XeroClient, spec: ExtractSpec, tenant_id: str, since: datetime | None,
           page_size: int) -> Iterator[Page]:
    """Page numbers from 1 until Xero's page count, or a short page where it gives none."""
    size, params = _page_request(spec, page_size)
    number = 1
    watermark: Watermark = None
    previous: set[Any] = set()
    while True:
        response = _get(client, spec, tenant_id, {**params, "page": str(number)}, since)
        records = _records(response, spec)
        seen = _identities(records, spec)
        if number > 1 and records and seen <= previous:
            raise _stalled(spec, tenant_id, f"page {number} held only records of page "
                           f"{number - 1} (`page` ignored?)", number)
        count = _page_count(response)
        watermark = _max_updated(records, spec, watermark)
        yield Page(records, number, count, response.limits, watermark, response.server_time)
        if len(records) < size or (count is not None and number >= count):
            return
        del response, records  # the caller's now (module docstring)
        previous = seen
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
    previous: set[Any] = set()  # (id, UpdatedDateUTC) of the last page's records
    while True:
        response = _get(client, spec, tenant_id, {**params, "page": str(number)}, window)
        calls += 1
        records = _records(response, spec)
        _check_window(records, spec, tenant_id, window, calls)
        if count is None:  # the first window's page count: the progress the log shows
            count = _page_count(response)
        fresh = [r for r in records if _identity(r, spec) not in previous]
        if number > 1 and records and not fresh:
            start = "the start" if window is None else f"{window:%Y-%m-%dT%H:%M:%S}Z"
            raise _stalled(spec, tenant_id, f"page {number} of the records changed since {start} "
                           f"held only records of page {number - 1} (`page` ignored?)", calls)
        watermark = _max_updated(records, spec, watermark)
        # The first window's page count; a moved window can need a call more (shown as "?").
        yield Page(fresh, calls, count if count is None or calls <= count else None,
                   response.limits, watermark, response.server_time)
        if len(records) < size:
            return
        previous = _identities(records, spec)
        newest = _max_updated(records, spec, None)
        del response, records, fresh  # the caller's now (module docstring)
        moved = (None if not isinstance(newest, datetime) else
                 newest.replace(microsecond=0) - timedelta(seconds=1))
        if moved is not None and (window is None or moved > window):
            window, number = moved, 1
        else:  # the whole page is within the window: the next page of the same window
            number += 1


def _journals(client: XeroClient, spec: ExtractSpec, tenant_id: str, since: datetime | None,
              offset: int) -> Iterator[Page]:
    """JournalNumber greater than ``offset``, 100 a call, until a short batch. A journal
    without a whole JournalNumber does not move the offset (the transform quarantines it)."""
    number = 1
    while True:
        params = {**spec.params, "offset": str(offset)}
        response = _get(client, spec, tenant_id, params, since)
        records = _records(response, spec)
        highest = max((n for n in map(journal_number, records) if n is not None), default=None)
        full = len(records) >= JOURNALS_PER_CALL
        if full and (highest is None or highest <= offset):
            raise _stalled(spec, tenant_id, f"a full batch for offset {offset} held no "
                           f"{JOURNAL_NUMBER} above it (highest: {highest}; `offset` ignored?)",
                           number)
        if highest is not None and highest > offset:
            offset = highest
        yield Page(records, number, None, response.limits, offset, response.server_time)
        if not full:
            return
        del response, records  # the caller's now (module docstring)
        number += 1


def _filtered(pages: Iterator[Page], spec: ExtractSpec, since: datetime) -> Iterator[Page]:
    """Keep what changed since ``since``, at second precision as If-Modified-Since would."""
    floor = since.replace(microsecond=0)
    for page in pages:
        kept = [r for r in page.records if _changed_since(r, spec, floor)]
        yield Page(kept, page.number, page.count, page.limits, page.high_watermark,
                   page.server_time)
        del page, kept  # the caller's now (module docstring)


def _check_window(records: list[Any], spec: ExtractSpec, tenant_id: str,
                  window: datetime | None, calls: int) -> None:
    """A page every record of which changed before the If-Modified-Since asked for: the server
    ignored it, and keyset paging would re-read from the start at every window."""
    if window is None:
        return
    floor = window.replace(microsecond=0)
    moments = [m for m in (_updated(r, spec) for r in records) if m is not None]
    if moments and all(m < floor for m in moments):
        raise _stalled(spec, tenant_id, f"every record of page {calls} changed before the "
                       f"If-Modified-Since asked for ({floor:%Y-%m-%dT%H:%M:%S}Z; newest "
                       f"{max(moments):%Y-%m-%dT%H:%M:%S}Z): If-Modified-Since ignored? If "
                       "this endpoint ignores it, use strategy client_filtered", calls)


def _identity(record: Any, spec: ExtractSpec) -> Any:
    """What tells copies of a record apart: its id and change time (the whole record when
    the spec names no id, or the item is not an object)."""
    if isinstance(record, dict) and spec.id_field is not None:
        updated = record.get(spec.updated_field) if spec.updated_field else None
        return (str(record.get(spec.id_field)), str(updated))
    return json.dumps(record, sort_keys=True, default=str)


def _identities(records: list[Any], spec: ExtractSpec) -> set[Any]:
    return {_identity(record, spec) for record in records}


def _stalled(spec: ExtractSpec, tenant_id: str, what: str, calls: int) -> PagingStalled:
    endpoint = f"{API_BASES.get(spec.api, spec.api)}/{spec.resource}"
    return PagingStalled(
        f"{spec.name}: Xero's {endpoint} for organisation {tenant_id} repeated itself: {what}. "
        f"Stopped after {calls} call(s) rather than spend the day's call limit. Nothing is "
        "marked deleted and the watermark covers only what was loaded, so the next run reads "
        "on from there. If it persists, a proxy or Xero ignores the paging parameters of this "
        "endpoint: check the mapping's paging and strategy, and Xero's status page.")


def _updated(record: Any, spec: ExtractSpec) -> datetime | None:
    """A record's change time, or None when it has none that reads (the transform
    quarantines a record whose change time does not read; it never moves a watermark)."""
    value = record.get(spec.updated_field) if spec.updated_field and isinstance(
        record, dict) else None
    try:
        parsed = parse_xero_datetime(value) if isinstance(value, str) else None
    except (ValueError, OverflowError):
        return None
    return parsed if isinstance(parsed, datetime) else None


def _changed_since(record: Any, spec: ExtractSpec, floor: datetime) -> bool:
    moment = _updated(record, spec)
    return moment is None or moment.replace(microsecond=0) >= floor


def _max_updated(records: list[Any], spec: ExtractSpec,
                 current: Watermark) -> Watermark:
    """The highest change timestamp seen so far (None for objects without one)."""
    best = current if isinstance(current, datetime) else None
    for record in records:
        moment = _updated(record, spec)
        if moment is not None and (best is None or moment > best):
            best = moment
    return best
