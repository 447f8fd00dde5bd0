"""The Accounting and Payroll APIs answer as Xero's do: envelope, errors, paging, filters."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from tests.sandbox.conftest import SandboxClient
from xero_sandbox import msdate
from xero_sandbox.server import Sandbox
from xero_sandbox.state import SandboxConfig

API = "/api.xro/2.0"


def truth(client: SandboxClient, key: str, tenant: int = 0) -> list[dict[str, Any]]:
    tenant_id = client.tenants[tenant]
    return list(client.admin("GET", "truth", params={"tenant": tenant_id, "object": key})[
        tenant_id])


def updated(record: dict[str, Any], field: str = "UpdatedDateUTC") -> int:
    value = msdate.parse_ms(record[field])
    assert value is not None
    return value


# -- envelope and wire form ------------------------------------------------------------------


def test_envelope_and_date_escaping(client: SandboxClient, access_token: str) -> None:
    reply = client.api(f"{API}/Invoices", access_token, params={"page": 1})
    assert reply.status_code == 200
    assert reply.headers["Content-Type"].startswith("application/json")
    body = reply.json()
    assert body["Status"] == "OK" and body["ProviderName"]
    assert re.fullmatch(r"/Date\(\d+\)/", body["DateTimeUTC"])
    assert reply.headers["Xero-Correlation-Id"] == body["Id"]
    assert '"\\/Date(' in reply.text  # Xero escapes the slashes of MS dates
    assert body["Invoices"][0]["InvoiceID"]


def test_json_only_when_asked(client: SandboxClient, access_token: str) -> None:
    reply = client.api(f"{API}/Currencies", access_token, accept_json=False)
    assert reply.status_code == 200
    assert reply.headers["Content-Type"].startswith("text/xml")
    assert reply.text.startswith("<Response")
    with pytest.raises(ValueError, match="Expecting value"):
        reply.json()


def test_get_by_id_returns_one_element_collection(client: SandboxClient,
                                                  access_token: str) -> None:
    invoice = truth(client, "Invoices")[0]
    reply = client.api(f"{API}/Invoices/{invoice['InvoiceID']}", access_token)
    assert reply.status_code == 200
    assert reply.json()["Invoices"] == [invoice]  # full detail, line items included


def test_get_by_second_key(client: SandboxClient, access_token: str) -> None:
    invoice = next(i for i in truth(client, "Invoices") if i.get("InvoiceNumber"))
    reply = client.api(f"{API}/Invoices/{invoice['InvoiceNumber']}", access_token)
    assert reply.json()["Invoices"][0]["InvoiceID"] == invoice["InvoiceID"]


# -- errors ----------------------------------------------------------------------------------


def test_unknown_id_is_plain_text_404(client: SandboxClient, access_token: str) -> None:
    reply = client.api(f"{API}/Invoices/00000000-0000-0000-0000-000000000000", access_token)
    assert reply.status_code == 404
    assert reply.headers["Content-Type"].startswith("text/plain")
    assert reply.text == "The resource you're looking for cannot be found"


@pytest.mark.parametrize("tenant", [None, "", "6f5bb7a0-0000-4000-8000-000000000000"])
def test_missing_or_unknown_tenant_is_403(client: SandboxClient, access_token: str,
                                          tenant: str | None) -> None:
    reply = client.api(f"{API}/Invoices", access_token, tenant=tenant)
    assert reply.status_code == 403
    assert reply.json()["Detail"] == "AuthenticationUnsuccessful"
    assert reply.json()["Title"] == "Forbidden"


def test_bad_token_is_401_authentication_unsuccessful(client: SandboxClient) -> None:
    reply = client.api(f"{API}/Invoices", "garbage")
    assert reply.status_code == 401
    assert reply.json()["Detail"] == "AuthenticationUnsuccessful"


def test_missing_scope_is_401_authorization_unsuccessful(client: SandboxClient) -> None:
    tokens = client.authorize("offline_access accounting.contacts.read")
    access = str(tokens["access_token"])
    assert client.api(f"{API}/Contacts", access).status_code == 200
    reply = client.api(f"{API}/Invoices", access)
    assert reply.status_code == 401
    assert reply.json()["Detail"] == "AuthorizationUnsuccessful"
    assert "insufficient_scope" in reply.headers["WWW-Authenticate"]
    assert client.api("/payroll.xro/1.0/Employees", access).status_code == 401


def test_granular_scopes_are_enough(client: SandboxClient) -> None:
    tokens = client.authorize("offline_access accounting.invoices.read")
    access = str(tokens["access_token"])
    assert client.api(f"{API}/Invoices", access).status_code == 200
    assert client.api(f"{API}/Payments", access).status_code == 401


@pytest.mark.parametrize("where", ['Status=="AUTHORISED', "Total >", 'Status=="A" AND ('])
def test_bad_where_is_query_parse_exception(client: SandboxClient, access_token: str,
                                            where: str) -> None:
    reply = client.api(f"{API}/Invoices", access_token, params={"where": where})
    assert reply.status_code == 400
    body = reply.json()
    assert body["ErrorNumber"] == 16 and body["Type"] == "QueryParseException"
    assert body["Message"]


@pytest.mark.parametrize(("params", "message"), [
    ({"where": "Type==ACCREC"}, "No property or field 'ACCREC' exists in type 'Invoice'"),
    ({"where": 'Reference!=null AND Refrence=="x"'},
     "No property or field 'Refrence' exists in type 'Invoice'"),
    ({"where": f'InvoiceID=="{uuid.UUID(int=7)}"'},
     "Operator '==' incompatible with operand types 'Guid' and 'String'"),
    ({"where": 'Date>="2020-01-01"'},
     "Operator '>=' incompatible with operand types 'DateTime' and 'String'"),
    ({"order": "UpdatedDateUTC ASC, Foo DESC"}, "No property or field 'Foo' exists in type "
                                                "'Invoice'"),
])
def test_a_where_or_order_xeros_model_cannot_type_is_refused_as_xero_does(
        client: SandboxClient, access_token: str, params: dict[str, str], message: str) -> None:
    """Dynamic LINQ checks names and types against Xero's model before reading a record
    (XeroAPI.Net#21: "No property or field 'Organisation' exists in type 'Contact'"): a typo in
    a mapping's where must fail here as it would there, not select nothing."""
    reply = client.api(f"{API}/Invoices", access_token, params=params)
    assert reply.status_code == 400
    assert reply.json() == {"ErrorNumber": 16, "Type": "QueryParseException",
                            "Message": message}


def test_a_where_xeros_model_types_is_read(client: SandboxClient, access_token: str) -> None:
    invoice = truth(client, "Invoices")[0]
    where = (f'InvoiceID==Guid("{invoice["InvoiceID"]}") AND Date>=DateTime(2000, 1, 1) '
             f'AND Contact.Name!=null AND Type=="{invoice["Type"]}"')
    reply = client.api(f"{API}/Invoices", access_token, params={"where": where})
    assert [i["InvoiceID"] for i in reply.json()["Invoices"]] == [invoice["InvoiceID"]]


@pytest.mark.parametrize("path", [f"{API}/Employees", f"{API}/ExpenseClaims", f"{API}/Receipts",
                                  f"{API}/NoSuchThing"])
def test_retired_and_unknown_endpoints_are_404(client: SandboxClient, access_token: str,
                                               path: str) -> None:
    assert client.api(path, access_token).status_code == 404


# -- paging ----------------------------------------------------------------------------------


def test_page_size_default_and_limits(client: SandboxClient, access_token: str) -> None:
    total = len(truth(client, "Invoices"))
    assert total > 100
    default = client.api(f"{API}/Invoices", access_token, params={"page": 1}).json()
    assert len(default["Invoices"]) == 100
    assert default["pagination"] == {"page": 1, "pageSize": 100,
                                     "pageCount": -(-total // 100), "itemCount": total}
    huge = client.api(f"{API}/Invoices", access_token, params={"page": 1, "pageSize": 5000})
    assert huge.json()["pagination"]["pageSize"] == 1000  # Xero's maximum


def test_pages_cover_every_record_once(client: SandboxClient, access_token: str) -> None:
    seen: list[str] = []
    page = 1
    while True:
        body = client.api(f"{API}/Invoices", access_token,
                          params={"page": page, "pageSize": 70}).json()
        seen += [i["InvoiceID"] for i in body["Invoices"]]
        if len(body["Invoices"]) < 70:
            break
        page += 1
    expected = [i["InvoiceID"] for i in truth(client, "Invoices")]
    assert sorted(seen) == sorted(expected) and len(seen) == len(set(seen))
    past_end = client.api(f"{API}/Invoices", access_token, params={"page": page + 1})
    assert past_end.json()["Invoices"] == []


def test_default_order_is_updated_ascending(client: SandboxClient, access_token: str) -> None:
    body = client.api(f"{API}/Invoices", access_token, params={"page": 1, "pageSize": 1000})
    stamps = [updated(i) for i in body.json()["Invoices"]]
    assert stamps == sorted(stamps)


def test_line_items_only_when_paging_or_by_id(client: SandboxClient, access_token: str) -> None:
    unpaged = client.api(f"{API}/Invoices", access_token).json()["Invoices"]
    paged = client.api(f"{API}/Invoices", access_token, params={"page": 1}).json()["Invoices"]
    assert all(invoice["LineItems"] == [] for invoice in unpaged)  # as Xero's examples show
    assert any(invoice.get("LineItems") for invoice in paged)


def test_quotes_ignore_page_size(client: SandboxClient, access_token: str) -> None:
    body = client.api(f"{API}/Quotes", access_token, params={"page": 1, "pageSize": 5}).json()
    assert len(body["Quotes"]) == min(100, len(truth(client, "Quotes")))
    assert "pagination" not in body


def test_journals_by_offset(client: SandboxClient, access_token: str) -> None:
    journals = truth(client, "Journals")
    assert len(journals) > 100
    first = client.api(f"{API}/Journals", access_token).json()["Journals"]
    assert [j["JournalNumber"] for j in first] == list(range(1, 101))
    after = client.api(f"{API}/Journals", access_token, params={"offset": 100}).json()
    numbers = [j["JournalNumber"] for j in after["Journals"]]
    assert numbers[0] == 101 and numbers == sorted(numbers) and len(numbers) <= 100
    last = max(j["JournalNumber"] for j in journals)
    tail = client.api(f"{API}/Journals", access_token, params={"offset": last}).json()
    assert tail["Journals"] == []


# -- If-Modified-Since -----------------------------------------------------------------------


def _ims(ms: int, style: str) -> str:
    moment = msdate.from_ms(ms)
    if style == "sdk":  # xero-python: datetime.isoformat() with an offset
        return moment.astimezone(UTC).isoformat()
    if style == "node":  # Date.toISOString()
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%S")  # Xero's docs: UTC, no zone


@pytest.mark.parametrize("style", ["sdk", "node", "plain"])
def test_if_modified_since_at_second_precision(client: SandboxClient, access_token: str,
                                               style: str) -> None:
    invoices = truth(client, "Invoices")
    pivot = updated(invoices[len(invoices) // 2])
    since = pivot - pivot % 1000 + 999  # late in the pivot's second: still includes it
    expected = {i["InvoiceID"] for i in invoices if updated(i) // 1000 >= pivot // 1000}
    reply = client.api(f"{API}/Invoices", access_token,
                       headers={"If-Modified-Since": _ims(since, style)},
                       params={"page": 1, "pageSize": 1000})
    got = {i["InvoiceID"] for i in reply.json()["Invoices"]}
    assert got == expected
    assert got != {i["InvoiceID"] for i in invoices}


def test_if_modified_since_with_offset(client: SandboxClient, access_token: str) -> None:
    invoices = truth(client, "Invoices")
    pivot = updated(invoices[-5])
    local = msdate.from_ms(pivot).astimezone(timezone(timedelta(hours=-8)))
    reply = client.api(f"{API}/Invoices", access_token, params={"page": 1},
                       headers={"If-Modified-Since": local.isoformat()})
    got = [i["InvoiceID"] for i in reply.json()["Invoices"]]
    assert invoices[-1]["InvoiceID"] in got and invoices[0]["InvoiceID"] not in got


def test_if_modified_since_ignored_where_xero_ignores_it(client: SandboxClient,
                                                        access_token: str) -> None:
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    reply = client.api(f"{API}/TaxRates", access_token, headers={"If-Modified-Since": future})
    assert len(reply.json()["TaxRates"]) == len(truth(client, "TaxRates"))


# -- filters -------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "params", "generated_with_four"), [
    ("Invoices", {"page": "1"}, True), ("CreditNotes", {"page": "1"}, False),
    ("Items", {}, False)])
def test_unit_prices_come_to_four_places_only_with_unitdp_4(
        client: SandboxClient, access_token: str, path: str, params: dict[str, str],
        generated_with_four: bool) -> None:
    """The spec's LineItem: "By default UnitAmount is rounded to two decimal places. You can
    use 4 decimal places by adding the unitdp=4 querystring parameter"; by id too."""
    def prices(extra: dict[str, str], suffix: str = "") -> list[float]:
        body = client.api(f"{API}/{path}{suffix}", access_token,
                          params={**params, **extra}).json()
        return [value for record in body[path] for value in unit_prices(record)]

    default, four = prices({}), prices({"unitdp": "4"})
    assert len(default) == len(four) > 0
    assert all(round(value, 2) == value for value in default)
    assert any(round(value, 2) != value for value in four) == generated_with_four
    assert default == [float(Decimal(str(v)).quantize(Decimal("0.01"), ROUND_HALF_UP))
                       for v in four]
    one = truth(client, path)[0]
    key = next(k for k in one if k.endswith("ID"))
    assert prices({"unitdp": "4"}, f"/{one[key]}") == list(unit_prices(one))


def unit_prices(record: dict[str, Any]) -> list[float]:
    lines = [line.get("UnitAmount") for line in record.get("LineItems") or []]
    details = [record.get(d, {}).get("UnitPrice") for d in ("PurchaseDetails", "SalesDetails")]
    return [v for v in lines + details if isinstance(v, int | float)]


def test_where_filters(client: SandboxClient, access_token: str) -> None:
    invoices = truth(client, "Invoices")
    reply = client.api(f"{API}/Invoices", access_token,
                       params={"where": 'Status=="VOIDED" AND Type=="ACCREC"'})
    got = {i["InvoiceID"] for i in reply.json()["Invoices"]}
    expected = {i["InvoiceID"] for i in invoices
                if i["Status"] == "VOIDED" and i["Type"] == "ACCREC"}
    assert got == expected and got


def test_order_param(client: SandboxClient, access_token: str) -> None:
    reply = client.api(f"{API}/Contacts", access_token, params={"order": "Name DESC"})
    names = [c["Name"].lower() for c in reply.json()["Contacts"]]
    assert names == sorted(names, reverse=True)


def test_include_archived(client: SandboxClient, access_token: str) -> None:
    contacts = truth(client, "Contacts")
    archived = {c["ContactID"] for c in contacts if c.get("ContactStatus") == "ARCHIVED"}
    assert archived
    default = {c["ContactID"] for c in client.api(f"{API}/Contacts", access_token).json()[
        "Contacts"]}
    included = {c["ContactID"] for c in client.api(f"{API}/Contacts", access_token, params={
        "includeArchived": "True"}).json()["Contacts"]}
    assert not default & archived
    assert included == {c["ContactID"] for c in contacts}


def test_summary_only_drops_heavy_fields(client: SandboxClient, access_token: str) -> None:
    full = client.api(f"{API}/Invoices", access_token, params={"page": 1}).json()["Invoices"]
    summary = client.api(f"{API}/Invoices", access_token,
                         params={"page": 1, "summaryOnly": "true"}).json()["Invoices"]
    assert any("LineItems" in i for i in full)
    assert all("LineItems" not in i for i in summary)
    assert [i["InvoiceID"] for i in summary] == [i["InvoiceID"] for i in full]


def test_explicit_id_filter(client: SandboxClient, access_token: str) -> None:
    ids = [i["InvoiceID"] for i in truth(client, "Invoices")[:3]]
    reply = client.api(f"{API}/Invoices", access_token, params={"IDs": ",".join(ids)})
    assert sorted(i["InvoiceID"] for i in reply.json()["Invoices"]) == sorted(ids)


def test_payroll_employees_are_served(client: SandboxClient, access_token: str) -> None:
    reply = client.api("/payroll.xro/1.0/Employees", access_token, params={"page": 1})
    assert reply.status_code == 200
    assert reply.json()["Employees"]


# The fields of the employees in the list example of Xero's spec (XeroAPI/Xero-OpenAPI,
# xero-payroll-au.yaml at 005f66e, GET /Employees 200, lines 64-98): a summary. The detail
# (HomeAddress, TaxDeclaration, BankAccounts, LeaveBalances, ...) is in the example of
# GET /Employees/{EmployeeID} only, as Xero's staff say the API behaves (Xero-NetStandard#234).
PAYROLL_LIST_FIELDS = {
    "EmployeeID", "FirstName", "MiddleNames", "LastName", "Status", "Email", "DateOfBirth",
    "Gender", "Phone", "Mobile", "StartDate", "OrdinaryEarningsRateID", "PayrollCalendarID",
    "UpdatedDateUTC", "IsSTP2Qualified",
}


@pytest.mark.parametrize("params", [{"page": 1}, {}], ids=["paged", "unpaged"])
def test_payroll_employee_list_gives_the_spec_examples_fields_only(
        client: SandboxClient, access_token: str, params: dict[str, Any]) -> None:
    reply = client.api("/payroll.xro/1.0/Employees", access_token, params=params)
    employees = reply.json()["Employees"]
    assert {key for employee in employees for key in employee} == PAYROLL_LIST_FIELDS
    assert len(employees) == len(truth(client, "Employees"))


def test_payroll_employee_by_id_gives_the_whole_record(client: SandboxClient,
                                                       access_token: str) -> None:
    employee = truth(client, "Employees")[0]
    reply = client.api(f"/payroll.xro/1.0/Employees/{employee['EmployeeID']}", access_token)
    assert reply.json()["Employees"] == [employee]
    assert {"HomeAddress", "TaxDeclaration", "BankAccounts", "LeaveBalances"} <= set(employee)


# -- determinism and activity -----------------------------------------------------------------


def test_same_seed_same_data_other_seed_other_data(sandbox: Sandbox) -> None:
    def dataset(seed: int) -> Any:
        with Sandbox(SandboxConfig(seed=seed, tenants=2, scale=50)) as other:
            state = other.state
            return {t: state.truth(t, "Invoices") for t in state.organisations}

    assert dataset(11) == dataset(11)
    assert dataset(11) != dataset(12)


def test_activity_changes_what_if_modified_since_returns(client: SandboxClient,
                                                         access_token: str) -> None:
    before = client.admin("GET", "clock")["now_ms"]
    report = client.admin("POST", "activity", json={"intensity": 5})
    tenant = client.tenants[0]
    changed = set(report[tenant]["created"].get("Invoices", []) +
                  report[tenant]["updated"].get("Invoices", []))
    assert changed
    reply = client.api(f"{API}/Invoices", access_token, params={"page": 1},
                       headers={"If-Modified-Since": _ims(before - 1000, "sdk")})
    assert {i["InvoiceID"] for i in reply.json()["Invoices"]} == changed
    silent = report[tenant]["silent"]
    assert sum(len(ids) for ids in silent.values()) == 1  # the documented blind spot
