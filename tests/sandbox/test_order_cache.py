"""Ordered lists come from a per-collection cache of sorted records, and must not show it.

Every ``order`` request used to sort the whole collection again; now each (collection, order)
is sorted once, filtered per request, and forgotten when the collection changes. These tests
hold the cached answers to the uncached algorithm (sort the filtered default-order list),
query by query, and check that a change to the records moves them in the next ordered page.
"""

from __future__ import annotations

import copy
import functools
import itertools
from typing import Any

import pytest

from tests.sandbox.conftest import SandboxClient
from xero_sandbox import endpoints
from xero_sandbox.endpoints import Endpoint
from xero_sandbox.generator import stamp
from xero_sandbox.msdate import parse_ms
from xero_sandbox.query import QueryParseError, compile_order, compile_where, parse_order
from xero_sandbox.store import (
    ORDERS_CACHED,
    ListQuery,
    ListResult,
    Organisation,
    Sorted,
    View,
    _journal_batch,
    _page,
    updated_ms,
)

API = "/api.xro/2.0"
Record = dict[str, Any]
SERVED = endpoints.served()
ENDPOINTS = {endpoint.key: endpoint for endpoint in SERVED}
INVOICES = ENDPOINTS["Invoices"]


# -- the uncached algorithm, as the sandbox ran it before the cache ------------------------------


def reference_list(organisation: Organisation, endpoint: Endpoint,
                   query: ListQuery) -> ListResult:
    """Default order, then visibility, If-Modified-Since, filters, where; then sort; then page."""
    records = list(organisation.data[endpoint.key].values())
    if endpoint.offset_paged:
        records.sort(key=lambda r: int(r["JournalNumber"]))
    elif endpoint.updated_field:
        records.sort(key=lambda r: (updated_ms(r, endpoint), str(r[endpoint.id_field])))
    if endpoint.hidden_statuses or endpoint.never_listed_statuses:
        records = [r for r in records if _visible(r, endpoint, query)]
    if query.modified_since_ms is not None and endpoint.if_modified_since:
        since_second = query.modified_since_ms // 1000
        records = [r for r in records if updated_ms(r, endpoint) // 1000 >= since_second]
    for param, wanted in query.filters.items():
        lowered = {w.lower() for w in wanted}
        records = [r for r in records if _value(r, endpoint.extra_filters[param]) in lowered]
    if query.where and endpoint.where:
        predicate = compile_where(query.where)
        records = [r for r in records if predicate(r)]
    if query.order and endpoint.order:
        records = compile_order(query.order)(records)
    if endpoint.offset_paged:
        return _journal_batch(records, query)
    if query.page is not None and endpoint.paged:
        return _page(records, endpoint, query)
    return ListResult(records, View(detail=False, summary=query.summary_only))


def _visible(record: Record, endpoint: Endpoint, query: ListQuery) -> bool:
    status = record.get(endpoint.status_field)
    if status in endpoint.never_listed_statuses:
        return False
    if status in endpoint.hidden_statuses:
        return query.include_archived if endpoint.include_archived else query.include_deleted
    return True


def _value(record: Record, path: str) -> str | None:
    value: Any = record
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return None if value is None else str(value).lower()


def ids(endpoint: Endpoint, records: list[Record]) -> list[str]:
    return [str(r[endpoint.id_field]) for r in records]


def assert_same(organisation: Organisation, endpoint: Endpoint, query: ListQuery) -> None:
    """The cached answer is the uncached one: same records, same order, same paging."""
    got = organisation.list(endpoint, query)
    want = reference_list(organisation, endpoint, query)
    assert ids(endpoint, got.records) == ids(endpoint, want.records), query
    assert got.pagination == want.pagination, query
    assert got.view == want.view, query


# -- organisations -------------------------------------------------------------------------------


@functools.cache
def _generated() -> dict[str, list[Record]]:
    from xero_sandbox.generator import generate_organisation

    return generate_organisation(5, 0, "tenant-order", "Order Ltd", 400)


def organisation(ties: bool = False, unreadable: bool = False) -> Organisation:
    """A fresh tenant; ``ties`` adds shared and same-second stamps, ``unreadable`` bad ones.

    Ties keep UpdatedDateUTC monotonic in its own orders (If-Modified-Since bisects them);
    an unreadable stamp sorts last in ASC yet counts as 0, so the instants stop being monotonic.
    """
    data = copy.deepcopy(_generated())
    invoices, contacts = data["Invoices"], data["Contacts"]
    if ties:
        tie = parse_ms(invoices[len(invoices) // 2]["UpdatedDateUTC"])
        assert tie is not None
        for invoice in invoices[::13]:  # many records on one instant: ties in every order
            stamp(invoice, "Invoices", tie)
        for index, invoice in enumerate(invoices[1:40:3]):  # whole seconds, and within them
            stamp(invoice, "Invoices", tie // 1000 * 1000 + (0, 1, 999)[index % 3])
        for contact in contacts[::7]:
            stamp(contact, "Contacts", tie)
    if unreadable:
        invoices[3]["UpdatedDateUTC"] = "not a date"  # If-Modified-Since reads it as 0
        del invoices[4]["UpdatedDateUTC"]
        invoices[5]["Total"] = "text among numbers"
        contacts[6]["UpdatedDateUTC"] = "/Date(garbage)/"
    return Organisation("tenant-order", "Order Ltd", data, SERVED, seed=1)


def stamps(organisation: Organisation, key: str) -> list[int]:
    """Interesting If-Modified-Since instants: none, extremes, a record's own, either side."""
    values = sorted({updated_ms(r, ENDPOINTS[key]) for r in organisation.data[key].values()})
    middle = values[len(values) // 2]
    second = middle // 1000 * 1000
    whole = [v for v in values if v % 1000 == 0][:2]  # a since that some records equal exactly
    return [-1500, values[0], middle - 1, second, second + 1, *whole, values[-1] + 1000]


ORDERS = [
    None,
    "UpdatedDateUTC ASC",
    "updateddateutc  ascending",
    "UpdatedDateUTC DESC",
    "Date DESC, InvoiceNumber",
    "Total DESC",
    "Status, Total DESC",
    "Contact.Name, UpdatedDateUTC DESC",
    "Name DESC",
    "IsSupplier DESC, Name",
    "NoSuchField DESC",
    "   ",
]
WHERES = {
    "Invoices": 'Status == "PAID" OR Type == "ACCPAY"',
    "Contacts": 'Name.Contains("a")',
    "Accounts": 'Type == "BANK" OR Class == "EXPENSE"',
    "Payments": "Amount > 100",
    "CreditNotes": 'Status != "VOIDED"',
    "Journals": "JournalNumber > 10",
}
FILTERS: dict[str, list[dict[str, list[str]]]] = {
    "Invoices": [{"Statuses": ["paid", "AUTHORISED"]}],
}


TWISTS = {"generated": {}, "ties": {"ties": True}, "unreadable": {"ties": True, "unreadable": True}}


def typed(org: Organisation, endpoint: Endpoint, order: str) -> bool:
    """Whether the order names only properties the collection has (else Xero refuses it)."""
    try:
        parse_order(order, org.schema(endpoint))
    except QueryParseError:
        return False
    return True


@pytest.mark.parametrize("twist", list(TWISTS))
@pytest.mark.parametrize("key", list(WHERES))
def test_cached_order_equals_the_uncached_sort(key: str, twist: str) -> None:
    org = organisation(**TWISTS[twist])
    endpoint = ENDPOINTS[key]
    pagings: list[dict[str, Any]] = [{}]
    if endpoint.paged:
        pagings += [{"page": 1}, {"page": 3, "page_size": 7}]
    if endpoint.offset_paged:
        pagings += [{"offset": 40}]
    narrowing: list[tuple[str | None, dict[str, list[str]]]] = [(None, {}), (WHERES[key], {})]
    narrowing += [(None, f) for f in FILTERS.get(key, [])]
    orders = [order for order in ORDERS if order is None or typed(org, endpoint, order)]
    assert "NoSuchField DESC" not in orders  # refused as Xero does (test_api.py)
    for order, since, (where, filters), paging in itertools.product(
        orders, [None, *stamps(org, key)], narrowing, pagings,
    ):
        for archived in ([False, True] if endpoint.include_archived else [False]):
            query = ListQuery(order=order, modified_since_ms=since, where=where,
                              filters=filters, include_archived=archived, **paging)
            assert_same(org, endpoint, query)


def test_if_modified_since_uses_bisection_only_where_the_instants_are_monotonic() -> None:
    clean, twisted = organisation(ties=True), organisation(ties=True, unreadable=True)
    for terms in (parse_order("UpdatedDateUTC"), ()):
        assert clean.sorted_by(INVOICES, terms).rising
    assert clean.sorted_by(INVOICES, parse_order("UpdatedDateUTC DESC")).falling
    # unreadable stamps sort last in ASC, yet count as 0: no bisection, a filtering pass
    odd = twisted.sorted_by(INVOICES, parse_order("UpdatedDateUTC"))
    assert not odd.rising and not odd.falling
    for org, order in itertools.product((clean, twisted), ("UpdatedDateUTC", "Total")):
        for since in stamps(org, "Invoices"):
            assert_same(org, INVOICES, ListQuery(order=order, modified_since_ms=since, page=1,
                                                 page_size=1000))


@pytest.mark.parametrize(
    ("updated", "since", "expected"),
    [
        ([1, 2, 2, 2, 5], 2, [1, 2, 3, 4]),  # rising: a suffix, ties kept together
        ([1, 2, 2, 2, 5], 6, []),
        ([1, 2, 2, 2, 5], -9, [0, 1, 2, 3, 4]),
        ([5, 2, 2, 2, 1], 2, [0, 1, 2, 3]),  # falling: a prefix
        ([5, 2, 2, 2, 1], 6, []),
        ([5, 2, 2, 2, 1], 0, [0, 1, 2, 3, 4]),
        ([3, 3, 3], 3, [0, 1, 2]),
        ([3, 3, 3], 4, []),
        ([2, 0, 5, 2, 7], 2, [0, 2, 3, 4]),  # neither: one pass
        ([], 1, []),
    ],
)
def test_sorted_since(updated: list[int], since: int, expected: list[int]) -> None:
    records = [{"n": index} for index in range(len(updated))]
    assert [r["n"] for r in Sorted.of(records, updated).since(since)] == expected


def test_equivalent_expressions_share_one_sorted_list() -> None:
    org = organisation()
    first = org.sorted_by(INVOICES, parse_order("UpdatedDateUTC ASC"))
    for same in ("UpdatedDateUTC", " UpdatedDateUTC   ascending ", "UpdatedDateUTC asc"):
        assert org.sorted_by(INVOICES, parse_order(same)) is first
    assert org.sorted_by(INVOICES, parse_order("UpdatedDateUTC DESC")) is not first
    assert parse_order("  ") == ()
    assert parse_order("A.B desc, C") == ((("A", "B"), True), (("C",), False))


def test_the_cache_holds_a_bounded_number_of_orders() -> None:
    org = organisation()
    fields = ["Total", "Date", "Status", "Type", "InvoiceNumber", "Reference", "AmountDue",
              "AmountPaid", "SubTotal", "TotalTax", "DueDate", "CurrencyCode", "Contact.Name"]
    expressions = [f"{f} {d}" for f in fields for d in ("ASC", "DESC")]
    assert len(expressions) > ORDERS_CACHED
    for expression in expressions:
        assert_same(org, INVOICES, ListQuery(order=expression, page=2))
    assert len(org._orders["Invoices"]) == ORDERS_CACHED
    assert_same(org, INVOICES, ListQuery(order=expressions[0], page=2))  # evicted: sorted again
    kept = org.sorted_by(INVOICES, parse_order(expressions[1]))  # the least recently used...
    for expression in expressions[2:ORDERS_CACHED + 3]:  # enough to evict it if FIFO
        org.sorted_by(INVOICES, parse_order(expressions[1]))  # ...used again: kept
        org.sorted_by(INVOICES, parse_order(expression))
    assert org.sorted_by(INVOICES, parse_order(expressions[1])) is kept


def test_a_bad_where_is_still_reported_before_a_bad_order() -> None:
    org = organisation()
    with pytest.raises(QueryParseError) as caught:
        org.list(INVOICES, ListQuery(where="Total ==", order="Total ASC DESC"))
    assert caught.value.message == "Expression expected"
    with pytest.raises(QueryParseError) as caught:
        org.list(INVOICES, ListQuery(where="Total > 1", order="Total ASC DESC"))
    assert caught.value.message == "Syntax error"


# -- changes invalidate -------------------------------------------------------------------------


def test_an_edit_moves_the_record_in_the_next_ordered_page() -> None:
    org = organisation()
    query = ListQuery(order="UpdatedDateUTC ASC", page=1, page_size=1000)
    before = ids(INVOICES, org.list(INVOICES, query).records)
    oldest, second = org.data["Invoices"][before[0]], org.data["Invoices"][before[1]]
    newest = updated_ms(org.data["Invoices"][before[-1]], INVOICES)
    with org.lock:  # as activity does: change, then invalidate
        stamp(oldest, "Invoices", newest + 60_000)
        del org.data["Invoices"][before[1]]
        added = copy.deepcopy(second) | {"InvoiceID": "00000000-0000-4000-8000-0000000000aa"}
        stamp(added, "Invoices", 0)
        org.data["Invoices"][added["InvoiceID"]] = added
        org.invalidate()
    after = ids(INVOICES, org.list(INVOICES, query).records)
    assert after[0] == added["InvoiceID"] and after[-1] == before[0]
    assert before[1] not in after
    assert_same(org, INVOICES, query)
    assert_same(org, INVOICES, ListQuery(order="UpdatedDateUTC DESC", page=1,
                                         modified_since_ms=newest))


def test_invalidating_one_collection_keeps_the_others() -> None:
    org = organisation()
    contacts, terms = ENDPOINTS["Contacts"], parse_order("Name")
    invoices_sorted = org.sorted_by(INVOICES, terms)
    contacts_sorted = org.sorted_by(contacts, terms)
    some_invoice = invoices_sorted.records[0]
    org.encoded(INVOICES, some_invoice, View())
    contact = contacts_sorted.records[0]
    with org.lock:
        contact["Name"] = max(c["Name"].casefold() for c in contacts_sorted.records) + "!"
        org.invalidate("Contacts")
    assert org.sorted_by(INVOICES, terms) is invoices_sorted
    assert ("Invoices", some_invoice["InvoiceID"], View()) in org._encoded
    assert org.sorted_by(contacts, terms).records[-1] is contact
    assert_same(org, contacts, ListQuery(order="Name", page=1, include_archived=True))


def test_ordered_pages_follow_activity(client: SandboxClient, access_token: str) -> None:
    def page(order: str, **params: Any) -> list[str]:
        reply = client.api(f"{API}/Invoices", access_token,
                           params={"page": 1, "pageSize": 1000, "order": order, **params})
        assert reply.status_code == 200, reply.text
        return [i["InvoiceID"] for i in reply.json()["Invoices"]]

    before = page("UpdatedDateUTC ASC")
    assert page("UpdatedDateUTC DESC")  # both orders cached now
    report = client.admin("POST", "activity", json={"intensity": 10})[client.tenants[0]]
    edited = set(report["updated"]["Invoices"])
    changed = edited | set(report["created"]["Invoices"])
    after = page("UpdatedDateUTC ASC")
    # everything touched now carries the newest stamp: it moved to the end, in id order
    assert set(after[-len(changed):]) == changed
    assert any(before.index(i) < len(before) - len(changed) for i in edited)
    assert set(page("UpdatedDateUTC DESC")[:len(changed)]) == changed
    tenant = client.tenants[0]
    truth = client.admin("GET", "truth", params={"tenant": tenant, "object": "Invoices"})[tenant]
    assert after == [i["InvoiceID"] for i in compile_order("UpdatedDateUTC ASC")(truth)]
    assert page("Total DESC") == [i["InvoiceID"] for i in compile_order("Total DESC")(truth)]


def test_reset_restores_the_seeded_order(client: SandboxClient, access_token: str) -> None:
    def body() -> Any:
        reply = client.api(f"{API}/Invoices", access_token,
                           params={"page": 2, "pageSize": 50, "order": "UpdatedDateUTC DESC"})
        return reply.json()["Invoices"]

    before = body()
    client.admin("POST", "activity", json={"intensity": 20})
    assert body() != before
    client.admin("POST", "reset", json={})
    assert body() == before

