"""A glitching Xero never deletes, never crashes raw, and never spends the day (issue 10,
points 4, 5 and 7), against the sandbox's malformed answers and parameter-ignoring server.

* A 200 whose body is not the JSON promised is retried with the client's backoff and then read
  whole; if it persists, one ``MalformedResponse`` names endpoint, organisation, status,
  content type and the body's first bytes, never a token.
* A full snapshot answered without its collection fails: nothing is marked deleted.
* A server that repeats a page is caught within a call or two, whichever paging is used.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.extract.conftest import NO_WAIT, Xero
from tests.extract.test_extract import INVOICES, SPECS, by_id, records
from tests.warehouse.support import postgres_scratch, sqlite_scratch, table_rows
from xero_sandbox.malformed import GATEWAY_PAGE
from xero_sync.client import XeroClient, redact
from xero_sync.errors import MalformedResponse, PagingStalled, XeroApiError
from xero_sync.extract import ExtractSpec, Page, extract
from xero_sync.mapping import ObjectMapping, load_mappings
from xero_sync.settings import XeroSettings
from xero_sync.sync import SyncRequest, run_sync
from xero_sync.warehouse.sqlbase import SqlWarehouse

ROOT = Path(__file__).resolve().parents[2]
MAPPINGS = {m.name: m for m in load_mappings(ROOT / "include" / "mappings")}
GLITCHES = ["empty", "truncated", "html_as_json", "maintenance", "list_body", "no_collection",
            "null_collection"]
# What each glitch's error quotes: its content type and the start of its body.
QUOTED = {
    "empty": ("application/json", "''"), "truncated": ("application/json", '{"Id":'),
    "html_as_json": ("application/json", GATEWAY_PAGE[:40]),
    "maintenance": ("text/html", "Xero is down for maintenance"),
    "list_body": ("application/json", "[{"), "no_collection": ("application/json", '{"Id":'),
    "null_collection": ("application/json", '{"Id":'), "xml": ("text/xml", "<Response>"),
}
CONTACTS_SMALL_PAGES = ExtractSpec("contacts", "Contacts", "Contacts", "paged", paged=True,
                                   page_size_param=True, params={"includeArchived": "true"},
                                   id_field="ContactID")
PAGES_AT_MOST = 30  # far more than any repeat needs to be caught; the old code never stopped


def fault(xero: Xero, kind: str, path: str, **rule: Any) -> None:
    xero.admin("POST", "faults", json={"kind": kind, "path": path, **(rule or {"rate": 1})})


def read_all(client: XeroClient, spec: ExtractSpec, tenant: str,
             **kwargs: Any) -> list[Page]:
    pages = list(itertools.islice(extract(client, spec, tenant, **kwargs), PAGES_AT_MOST))
    assert len(pages) < PAGES_AT_MOST, "the paging did not stop"
    return pages


@pytest.mark.parametrize("kind", GLITCHES)
def test_a_malformed_answer_is_retried_and_the_records_read_whole(xero: Xero, kind: str) -> None:
    tenant = xero.tenants[0]
    fault(xero, kind, "/Invoices", nth=2)  # the second page's first answer

    got = records(read_all(xero.client, INVOICES, tenant))

    assert by_id(got, INVOICES, xero) == by_id(xero.truth("Invoices", tenant), INVOICES, xero)
    assert xero.client.counter.retries == 1
    assert xero.admin("GET", "stats")["faults_injected"] == {kind: 1}


@pytest.mark.parametrize("kind", GLITCHES)
def test_a_malformed_answer_that_persists_is_one_clear_error(xero: Xero, kind: str) -> None:
    tenant = xero.tenants[0]
    fault(xero, kind, "/Invoices")

    with pytest.raises(MalformedResponse) as caught:
        read_all(xero.client, INVOICES, tenant)

    message = str(caught.value)
    content_type, body_start = QUOTED[kind]
    assert f"GET {xero.settings.api_url}/api.xro/2.0/Invoices?" in message
    assert f"organisation {tenant}" in message
    assert "HTTP 200" in message
    assert content_type in message
    assert body_start in message
    assert xero.client.tokens.access_token() not in message
    assert xero.client.counter.retries == NO_WAIT.max_attempts - 1  # with the backoff
    assert xero.calls(tenant, "Invoices") == NO_WAIT.max_attempts


def test_xml_instead_of_json_fails_at_once(xero: Xero) -> None:
    tenant = xero.tenants[0]
    fault(xero, "xml", "/Invoices")

    with pytest.raises(MalformedResponse, match=r"Accept: application/json .*<Response>"):
        read_all(xero.client, INVOICES, tenant)

    assert xero.calls(tenant, "Invoices") == 1


def test_tokens_are_redacted_from_what_an_error_quotes() -> None:
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4ZXJvIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
    echoed = (f'<p>Authorization: Bearer opaque-token-1</p>{{"refresh_token": "r3fr3sh", '
              f'"id_token":"{jwt}"}} access_token=abc123&x=1 secret-in-text')

    text = redact(echoed, "secret-in-text")

    for secret in ("opaque-token-1", "r3fr3sh", jwt, "abc123", "secret-in-text"):
        assert secret not in text
    assert text.startswith("<p>Authorization: Bearer ***</p>")


def test_a_refusal_quotes_the_body_without_the_secrets_it_echoes() -> None:
    """A 400 page that echoes the request (a proxy's error page, say) reaches the task log
    and ``_sync_runs`` through the error: the token and credentials in it never do."""
    refresh = "9f" * 24
    echo = (f"<p>Bad request</p><pre>Authorization: Bearer opaque-access-token "
            f"refresh_token={refresh}&client_secret=s3cr3t-value</pre>")

    class EchoSession:
        def get(self, url: str, **_: Any) -> requests.Response:
            response = requests.Response()
            response.status_code, response.url = 400, url
            response._content = echo.encode()
            response.headers["Content-Type"] = "text/html"
            return response

    class Tokens:
        def access_token(self) -> str:
            return "opaque-access-token"

        def force_refresh(self, rejected_access_token: str) -> str:
            return "opaque-access-token"

    settings = XeroSettings.from_fields("xero_default", "id", "secret", None)
    client = XeroClient(settings, Tokens(), session=EchoSession())  # type: ignore[arg-type]

    with pytest.raises(XeroApiError, match="HTTP 400: <p>Bad request</p>") as raised:
        client.get("Invoices", "00000000-0000-0000-0000-000000000001")

    for secret in (refresh, "s3cr3t-value", "opaque-access-token"):
        assert secret not in str(raised.value)


# -- a full snapshot answered without its records never deletes --------------------------------


@pytest.fixture(params=["sqlite", "postgres"])
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlWarehouse]:
    scratches = sqlite_scratch(tmp_path) if request.param == "sqlite" else postgres_scratch()
    for scratch in scratches:
        yield scratch.open()


class Hook:
    """The PageSource of run_sync over the test's client (the XeroHook in production)."""

    def __init__(self, client: XeroClient) -> None:
        self.client = client

    def extract(self, spec: ExtractSpec, tenant_id: str, since: datetime | None = None,
                offset: int | None = None) -> Iterator[Page]:
        return extract(self.client, spec, tenant_id, since, offset)


def live_keys(warehouse: SqlWarehouse, mapping: ObjectMapping, tenant: str) -> list[Any]:
    return table_rows(warehouse, mapping.table, tenant, [mapping.key_column, "is_deleted"])


ENVELOPE_PROBLEMS = {"no_collection": "a JSON object without the '[A-Za-z]+' collection",
                     "null_collection": "a JSON object whose '[A-Za-z]+' is null, not a list",
                     "list_body": "a JSON list where an object was expected"}


@pytest.mark.parametrize(("name", "full_refresh"), [("tax_rates", False), ("invoices", True)],
                         ids=["full strategy", "full refresh of a paged object"])
@pytest.mark.parametrize("kind", ["no_collection", "null_collection", "list_body"])
def test_a_snapshot_answered_without_its_records_marks_nothing_deleted(
        xero: Xero, warehouse: SqlWarehouse, name: str, full_refresh: bool, kind: str) -> None:
    mapping, tenant = MAPPINGS[name], xero.tenants[0]
    warehouse.ensure_tables([mapping])
    run_sync(Hook(xero.client), warehouse, SyncRequest(mapping, tenant, "run-1", full_refresh))
    before = live_keys(warehouse, mapping, tenant)
    assert before
    fault(xero, kind, f"/{mapping.resource}")

    with pytest.raises(MalformedResponse, match=ENVELOPE_PROBLEMS[kind]):
        run_sync(Hook(xero.client), warehouse,
                 SyncRequest(mapping, tenant, "run-2", full_refresh))

    assert live_keys(warehouse, mapping, tenant) == before
    runs = table_rows(warehouse, "_sync_runs", tenant, ["run_id", "status", "deleted"])
    assert ("run-2", "failed", 0) in runs


# -- a server that repeats itself is caught, whichever paging is used -------------------------


def test_page_number_paging_stops_when_page_is_ignored(xero: Xero) -> None:
    tenant = xero.tenants[0]
    fault(xero, "ignore_page", "/Contacts")

    with pytest.raises(PagingStalled, match=r"Contacts for organisation .* page 2 held only "
                                            r"records of page 1"):
        read_all(xero.client, CONTACTS_SMALL_PAGES, tenant, page_size=100)

    assert xero.calls(tenant, "Contacts") == 2


def test_keyset_paging_needs_no_page_numbers_and_reads_the_truth(xero: Xero) -> None:
    tenant = xero.tenants[0]
    fault(xero, "ignore_page", "/Invoices")

    got = records(read_all(xero.client, INVOICES, tenant, page_size=1000))

    assert by_id(got, INVOICES, xero) == by_id(xero.truth("Invoices", tenant), INVOICES, xero)


def test_keyset_paging_stops_when_the_server_repeats_its_page(xero: Xero) -> None:
    tenant = xero.tenants[0]
    fault(xero, "ignore_paging", "/Invoices")

    with pytest.raises(PagingStalled, match=r"Invoices for organisation .* held only records"):
        read_all(xero.client, INVOICES, tenant, page_size=100)

    assert xero.calls(tenant, "Invoices") <= 3


def test_keyset_paging_stops_when_if_modified_since_is_ignored(xero: Xero) -> None:
    tenant = xero.tenants[0]
    fault(xero, "ignore_modified_since", "/Invoices")

    with pytest.raises(PagingStalled, match="If-Modified-Since ignored"):
        read_all(xero.client, INVOICES, tenant, page_size=100)

    assert xero.calls(tenant, "Invoices") <= 5  # not a re-read from page 1 per window


def test_journals_stop_when_the_offset_is_ignored(xero: Xero) -> None:
    tenant = xero.tenants[0]
    fault(xero, "ignore_offset", "/Journals")

    with pytest.raises(PagingStalled, match=r"offset 100 held no JournalNumber above it"):
        read_all(xero.client, SPECS["journals"][0], tenant)

    assert xero.calls(tenant, "Journals") == 2
