"""Each organisation's records, and the list/get semantics Xero applies to them.

Records are kept in wire form (PascalCase, ``/Date(...)/`` strings) at full detail; a list
response strips what Xero leaves out (line items unless paging, archived contacts unless asked,
and so on) as the endpoint table says.
"""

from __future__ import annotations

import math
import operator
import random
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from typing import Any

from xero_sandbox import msdate
from xero_sandbox.endpoints import Endpoint
from xero_sandbox.http import encode_json
from xero_sandbox.query import OrderTerms, Schema, compile_where, parse_order, sort_records

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
JOURNALS_PER_CALL = 100
ORDERS_CACHED = 8  # sorted lists kept per collection for ``order`` expressions
PAYMENT_SOURCE_TYPES = frozenset({
    "ACCRECPAYMENT", "ACCPAYPAYMENT", "ARCREDITPAYMENT", "APCREDITPAYMENT", "CASHREC", "CASHPAID",
    "ARPREPAYMENT", "APPREPAYMENT", "AROVERPAYMENT", "APOVERPAYMENT", "TRANSFER",
})
_SUMMARY_DROPS = ("Payments", "CreditNotes", "Prepayments", "Overpayments", "Addresses", "Phones")

Record = dict[str, Any]


@dataclass
class ListQuery:
    """What a list request asked for, already decoded from query string and headers."""

    page: int | None = None
    page_size: int | None = None
    offset: int | None = None
    modified_since_ms: int | None = None
    where: str | None = None
    order: str | None = None
    include_archived: bool = False
    include_deleted: bool = False
    summary_only: bool = False
    payments_only: bool = False
    filters: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class ListResult:
    """The records of one response, how they are shaped, and the pagination where Xero pages.

    Records stay unshaped (full detail) here; ``view`` says which shape the response gives
    them, so the renderer can reuse each record's encoded form across requests.
    """

    records: list[Record]
    view: View
    pagination: dict[str, int] | None = None


@dataclass(frozen=True)
class View:
    """Which shape of a record a response carries."""

    detail: bool = True  # line items and other detail-only collections included
    summary: bool = False  # summaryOnly=true
    one: bool = False  # one record asked for by id: every field (``Endpoint.list_fields``)
    unit_places: int = 4  # unit prices to 4 places (unitdp=4), or 2: Xero's default


def updated_ms(record: Record, endpoint: Endpoint) -> int:
    """The instant If-Modified-Since compares against (0 when the object has none)."""
    if not endpoint.updated_field:
        return 0
    value = record.get(endpoint.updated_field)
    parsed = msdate.parse_ms(value) if isinstance(value, str) else None
    return parsed if parsed is not None else 0


@dataclass(frozen=True)
class Sorted:
    """One collection's records in one order, with each record's If-Modified-Since instant.

    ``updated[i]`` is ``updated_ms(records[i])``. Where those instants happen to run up (or
    down) the list, the records an If-Modified-Since keeps are a suffix (or prefix), found by
    bisection; otherwise by one pass over the precomputed instants. Either way the result is
    exactly the records with ``updated_ms >= since``, in this list's order.
    """

    records: list[Record]
    updated: list[int]
    rising: bool  # updated never decreases along records
    falling: bool  # updated never increases along records

    @classmethod
    def of(cls, records: list[Record], updated: list[int]) -> Sorted:
        """Wrap a list and its instants, noting whether the instants are monotonic."""
        rising = all(a <= b for a, b in pairwise(updated))
        falling = not rising and all(a >= b for a, b in pairwise(updated))
        return cls(records, updated, rising, falling)

    def since(self, since_ms: int) -> list[Record]:
        """The records whose instant is at or after ``since_ms``, in this order."""
        if self.rising:
            return self.records[bisect_left(self.updated, since_ms):]
        if self.falling:  # bisect needs a rising key: -instant rises along the list
            return self.records[:bisect_right(self.updated, -since_ms, key=operator.neg)]
        return [r for r, ms in zip(self.records, self.updated, strict=True) if ms >= since_ms]


class Organisation:
    """One tenant: its records by collection and id, and a lock for consistent reads.

    Sorted lists and encoded records are cached per collection. Whatever changes ``data``
    (adds, edits, deletes) must hold ``lock`` and call ``invalidate`` before anyone reads
    again; a reset builds new Organisations, so it starts with empty caches.
    """

    def __init__(self, tenant_id: str, name: str, data: dict[str, list[Record]],
                 endpoints: list[Endpoint], seed: int) -> None:
        self.tenant_id = tenant_id
        self.name = name
        self.endpoints = {endpoint.key: endpoint for endpoint in endpoints}
        self.data: dict[str, dict[str, Record]] = {}
        for key, endpoint in self.endpoints.items():
            self.data[key] = {str(r[endpoint.id_field]): r for r in data.get(key, [])}
        self.activity_random = random.Random(seed)  # noqa: S311 - simulation, not security
        self.lock = threading.RLock()
        self._ordered: dict[str, Sorted] = {}  # collection -> default order
        self._orders: dict[str, dict[OrderTerms, Sorted]] = {}  # collection -> order -> list
        self._encoded: dict[tuple[str, str, View], str] = {}
        self._schemas: dict[str, Schema] = {}  # collection -> what where/order may name

    def invalidate(self, *keys: str) -> None:
        """Forget cached orderings and encodings of these collections (of all without keys)."""
        if not keys:
            self._ordered.clear()
            self._orders.clear()
            self._encoded.clear()
            self._schemas.clear()
            return
        for key in keys:
            self._ordered.pop(key, None)
            self._orders.pop(key, None)
            self._schemas.pop(key, None)
        self._encoded = {k: v for k, v in self._encoded.items() if k[0] not in keys}

    def ordered(self, endpoint: Endpoint) -> list[Record]:
        """Records in Xero's default order: UpdatedDateUTC ascending, Journals by number."""
        return self._default_order(endpoint).records

    def _default_order(self, endpoint: Endpoint) -> Sorted:
        cached = self._ordered.get(endpoint.key)
        if cached is None:
            records = list(self.data[endpoint.key].values())
            stamps = {id(r): updated_ms(r, endpoint) for r in records}
            if endpoint.offset_paged:
                records.sort(key=lambda r: int(r["JournalNumber"]))
            elif endpoint.updated_field:
                records.sort(key=lambda r: (stamps[id(r)], str(r[endpoint.id_field])))
            updated = [stamps[id(r)] for r in records]
            cached = self._ordered[endpoint.key] = Sorted.of(records, updated)
        return cached

    def sorted_by(self, endpoint: Endpoint, terms: OrderTerms) -> Sorted:
        """Every record of the collection sorted by ``terms``, stably from the default order.

        This is exactly what sorting a filtered default-order list gives, once filtered the
        same way (stable sorts commute with filters), so one sort serves every page, filter
        and If-Modified-Since until the collection changes.
        """
        default = self._default_order(endpoint)
        if not terms:
            return default
        cache = self._orders.setdefault(endpoint.key, {})
        cached = cache.pop(terms, None)  # put back last: the dict runs least recently used first
        if cached is None:
            records = sort_records(default.records, terms)
            stamps = {id(r): ms for r, ms in zip(default.records, default.updated, strict=True)}
            cached = Sorted.of(records, [stamps[id(r)] for r in records])
            if len(cache) >= ORDERS_CACHED:
                del cache[next(iter(cache))]
        cache[terms] = cached
        return cached

    def schema(self, endpoint: Endpoint) -> Schema | None:
        """What ``where`` and ``order`` may name here, as Xero's model types it (query.Schema):
        the properties the collection's records hold. None while it holds none: with no
        record to learn the type from, nothing is refused."""
        cached = self._schemas.get(endpoint.key)
        if cached is None and self.data[endpoint.key]:
            cached = self._schemas[endpoint.key] = Schema.of(
                endpoint.key, self.data[endpoint.key].values())
        return cached

    def get(self, endpoint: Endpoint, identifier: str) -> Record | None:
        """A record by id (GUIDs case-insensitively) or by the endpoint's second key."""
        records = self.data[endpoint.key]
        found = records.get(identifier) or records.get(identifier.lower())
        if found is None:
            found = _scan(records.values(), endpoint, identifier)
        if found is None or _status(found, endpoint) in endpoint.never_listed_statuses:
            return None
        return found

    def list(self, endpoint: Endpoint, query: ListQuery) -> ListResult:
        """Apply Xero's list semantics: visibility, If-Modified-Since, filters, order, paging.

        The order comes first, from the cached sorted list, and the filters keep that order
        (the same records, in the same order, as filtering first and sorting after); a bad
        ``where`` is still reported before a bad ``order``.
        """
        schema = self.schema(endpoint) if query.where or query.order else None
        predicate = (compile_where(query.where, schema) if query.where and endpoint.where
                     else None)
        terms = parse_order(query.order, schema) if query.order and endpoint.order else ()
        ordered = self.sorted_by(endpoint, terms)
        records = ordered.records
        if query.modified_since_ms is not None and endpoint.if_modified_since:
            # updated // 1000 >= since // 1000, i.e. updated >= the start of since's second
            records = ordered.since(query.modified_since_ms // 1000 * 1000)
        if endpoint.hidden_statuses or endpoint.never_listed_statuses:
            records = [r for r in records if _visible(r, endpoint, query)]
        if query.filters:
            matches = _filters_predicate(query.filters, endpoint)
            records = [r for r in records if matches(r)]
        if predicate is not None:
            records = [r for r in records if predicate(r)]
        if endpoint.offset_paged:
            return _journal_batch(records, query)
        if query.page is not None and endpoint.paged:
            return _page(records, endpoint, query)
        return ListResult(records, View(detail=False, summary=query.summary_only))

    def encoded(self, endpoint: Endpoint, record: Record, view: View) -> str:
        """The record's JSON in this view, encoded once and reused until records change."""
        key = (endpoint.key, str(record[endpoint.id_field]), view)
        text = self._encoded.get(key)
        if text is None:
            text = self._encoded[key] = encode_json(shape(record, endpoint, view))
        return text


def shape(record: Record, endpoint: Endpoint, view: View) -> Record:
    """The record as a response carries it: its fields (``_fields``), unit prices rounded to
    two places where the endpoint takes ``unitdp`` and the request did not ask for 4."""
    shaped = _fields(record, endpoint, view)
    if view.unit_places == 2 and endpoint.unit_decimals:
        return _unit_prices_rounded(shaped)
    return shaped


def _unit_prices_rounded(record: Record) -> Record:
    """Xero's default: "By default UnitAmount is rounded to two decimal places. You can use 4
    decimal places by adding the unitdp=4 querystring parameter" (the spec's LineItem); the
    same for an item's purchase and sales UnitPrice. A copy: the stored record keeps 4."""
    rounded = dict(record)
    if isinstance(record.get("LineItems"), list):
        rounded["LineItems"] = [_round_field(line, "UnitAmount")
                                for line in record["LineItems"]]
    for details in ("PurchaseDetails", "SalesDetails"):
        if isinstance(record.get(details), dict):
            rounded[details] = _round_field(record[details], "UnitPrice")
    return rounded


def _round_field(item: Any, name: str) -> Any:
    value = item.get(name) if isinstance(item, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return item
    places = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return {**item, name: float(places)}


def _fields(record: Record, endpoint: Endpoint, view: View) -> Record:
    """The fields a response carries.

    Without paging, Xero sends detail-only collections empty (``"LineItems": []``, as its
    examples show, and as the SDK requires where the field is mandatory) and leaves out
    detail-only objects; ``summaryOnly`` leaves out both, and a few heavy collections too.
    Where the endpoint names its ``list_fields`` (Payroll AU employees), a list gives those
    only, paged or not, and only one record by id gives the rest.
    """
    if endpoint.list_fields and not view.one:
        return {key: value for key, value in record.items() if key in endpoint.list_fields}
    if view.summary:
        drops = set(endpoint.detail_fields) | set(_SUMMARY_DROPS)
        return {key: value for key, value in record.items() if key not in drops}
    if view.detail or not endpoint.detail_fields:
        return record
    shaped: Record = {}
    for key, value in record.items():
        if key not in endpoint.detail_fields:
            shaped[key] = value
        elif isinstance(value, list):
            shaped[key] = []
    return shaped


def _page(records: list[Record], endpoint: Endpoint, query: ListQuery) -> ListResult:
    """Page-number paging: 100 by default, ``pageSize`` up to 1000 where Xero accepts it."""
    size = DEFAULT_PAGE_SIZE
    if endpoint.page_size and query.page_size is not None:
        size = min(max(query.page_size, 1), MAX_PAGE_SIZE)
    page = max(query.page or 1, 1)
    chunk = records[(page - 1) * size: page * size]
    view = View(detail=True, summary=query.summary_only)
    if not endpoint.page_size:
        return ListResult(chunk, view)
    pagination = {
        "page": page, "pageSize": size, "pageCount": math.ceil(len(records) / size),
        "itemCount": len(records),
    }
    return ListResult(chunk, view, pagination)


def _journal_batch(records: list[Record], query: ListQuery) -> ListResult:
    """Journals: the next 100 with JournalNumber greater than ``offset``, oldest first."""
    offset = query.offset or 0
    batch = []
    for record in records:
        if int(record["JournalNumber"]) <= offset:
            continue
        if not _in_payments_only(record, query):
            continue
        batch.append(record)
        if len(batch) == JOURNALS_PER_CALL:
            break
    return ListResult(batch, View())


def _in_payments_only(record: Record, query: ListQuery) -> bool:
    """``paymentsOnly=true`` (Journals) keeps the journals of payments, cash and transfers."""
    return not query.payments_only or record.get("SourceType") in PAYMENT_SOURCE_TYPES


def selected(record: Record, endpoint: Endpoint, query: ListQuery) -> bool:
    """Whether a list request with these parameters is about the record at all: its filters,
    ``where`` and ``paymentsOnly``, leaving aside paging, If-Modified-Since and the visibility
    flags. What a mapping's fixed ``params`` select, for comparing a warehouse with the truth.
    """
    if query.filters and not _filters_predicate(query.filters, endpoint)(record):
        return False
    if query.where and endpoint.where and not compile_where(query.where)(record):
        return False
    return not endpoint.offset_paged or _in_payments_only(record, query)


def _status(record: Record, endpoint: Endpoint) -> str | None:
    value = record.get(endpoint.status_field)
    return value if isinstance(value, str) else None


def _visible(record: Record, endpoint: Endpoint, query: ListQuery) -> bool:
    """Hidden statuses need their include flag; never-listed ones are never returned."""
    status = _status(record, endpoint)
    if status in endpoint.never_listed_statuses:
        return False
    if status in endpoint.hidden_statuses:
        return query.include_archived if endpoint.include_archived else query.include_deleted
    return True


def _field(record: Record, path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _filters_predicate(filters: dict[str, list[str]],
                       endpoint: Endpoint) -> Callable[[Record], bool]:
    """Explicit list filters (``IDs``, ``Statuses``, ``ContactID``...): any listed value."""
    wanted = [(endpoint.extra_filters[param], {w.lower() for w in values})
              for param, values in filters.items()]

    def matches(record: Record) -> bool:
        for path, lowered in wanted:
            value = _field(record, path)
            if value is None or str(value).lower() not in lowered:
                return False
        return True

    return matches


def _scan(records: Any, endpoint: Endpoint, identifier: str) -> Record | None:
    lowered = identifier.lower()
    keys = [endpoint.id_field] + ([endpoint.alt_key] if endpoint.alt_key else [])
    for record in records:
        for key in keys:
            value = record.get(key)
            if value is not None and str(value).lower() == lowered:
                return record
    return None

