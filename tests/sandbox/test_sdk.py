"""The official xero-python SDK, pointed at the sandbox, works end to end.

If the sandbox drifted from Xero's shapes (a field type, an enum value, a date format, the
envelope), the SDK's deserialiser would raise here, as it would in production.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from requests_oauthlib import OAuth2Session
from xero_python.accounting import AccountingApi
from xero_python.api_client import ApiClient, Configuration
from xero_python.api_client.oauth2 import OAuth2Token, TokenApi
from xero_python.exceptions import NotFoundException
from xero_python.identity import IdentityApi
from xero_python.payrollau import PayrollAuApi

from tests.sandbox.conftest import ALL_READ_SCOPES, REDIRECT_URI, SandboxClient

PAGE_SIZE = 100


@pytest.fixture
def sdk(client: SandboxClient, monkeypatch: pytest.MonkeyPatch) -> Iterator[ApiClient]:
    """An SDK client that completed the authorization-code flow against the sandbox."""
    monkeypatch.setattr(TokenApi, "refresh_token_url", f"{client.url}/connect/token")
    monkeypatch.setattr(TokenApi, "revoke_token_url", f"{client.url}/connect/revocation")
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the sandbox speaks plain HTTP
    config = client.config
    session = OAuth2Session(config.client_id, redirect_uri=REDIRECT_URI,
                            scope=ALL_READ_SCOPES.split())
    url, _ = session.authorization_url(f"{client.url}/identity/connect/authorize")
    redirect = requests.get(url, allow_redirects=False, timeout=10).headers["Location"]
    assert parse_qs(urlsplit(redirect).query)["code"]
    token = session.fetch_token(f"{client.url}/connect/token", authorization_response=redirect,
                                client_secret=config.client_secret)
    configuration = Configuration()
    # Configuration() hands out copies of the first instance ever made, ignoring its
    # arguments (an SDK quirk), so the token is set on the copy.
    configuration.oauth2_token = OAuth2Token(client_id=config.client_id,
                                             client_secret=config.client_secret)
    api_client = ApiClient(configuration, pool_threads=1)
    saved: dict[str, Any] = {"token": dict(token)}
    api_client.oauth2_token_getter(lambda: saved["token"])
    api_client.oauth2_token_saver(lambda new: saved.update(token=new))
    yield api_client
    api_client.rest_client.pool_manager.clear()


def accounting(sdk: ApiClient, client: SandboxClient) -> AccountingApi:
    return AccountingApi(sdk, base_url=f"{client.url}/api.xro/2.0")


def tenant_ids(sdk: ApiClient, client: SandboxClient) -> list[str]:
    connections = IdentityApi(sdk, base_url=client.url).get_connections()
    return [str(c.tenant_id) for c in connections]


def visible_truth(client: SandboxClient, tenant: str, key: str, id_field: str,
                  hidden: Callable[[dict[str, Any]], bool] = lambda _: False) -> set[str]:
    records = client.admin("GET", "truth", params={"tenant": tenant, "object": key})[tenant]
    return {str(r[id_field]).lower() for r in records if not hidden(r)}


def paged(fetch: Callable[..., Any], key: str, **kwargs: Any) -> list[Any]:
    """Page until a short page, as Xero's docs say to."""
    records: list[Any] = []
    page = 1
    while True:
        batch = getattr(fetch(page=page, **kwargs), key)
        records += batch
        if len(batch) < kwargs.get("page_size", PAGE_SIZE):
            return records
        page += 1


def test_sdk_lists_tenants_after_authorization_code_flow(sdk: ApiClient,
                                                         client: SandboxClient) -> None:
    connections = IdentityApi(sdk, base_url=client.url).get_connections()
    assert sorted(str(c.tenant_id) for c in connections) == sorted(client.tenants)
    assert all(isinstance(c.created_date_utc, datetime) for c in connections)


def test_sdk_refreshes_through_the_sandbox(sdk: ApiClient) -> None:
    before = sdk.get_oauth2_token()
    refreshed = sdk.refresh_oauth2_token()
    assert refreshed["refresh_token"] != before["refresh_token"]


PAGED = [  # (method, collection attribute, truth key, id field, extra kwargs)
    ("get_invoices", "invoices", "Invoices", "InvoiceID", {"page_size": 1000}),
    ("get_contacts", "contacts", "Contacts", "ContactID", {"page_size": 1000,
                                                           "include_archived": True}),
    ("get_credit_notes", "credit_notes", "CreditNotes", "CreditNoteID", {"page_size": 1000}),
    ("get_bank_transactions", "bank_transactions", "BankTransactions", "BankTransactionID",
     {"page_size": 1000}),
    ("get_manual_journals", "manual_journals", "ManualJournals", "ManualJournalID",
     {"page_size": 1000}),
    ("get_payments", "payments", "Payments", "PaymentID", {"page_size": 1000}),
    ("get_prepayments", "prepayments", "Prepayments", "PrepaymentID", {"page_size": 1000}),
    ("get_overpayments", "overpayments", "Overpayments", "OverpaymentID", {"page_size": 1000}),
    ("get_purchase_orders", "purchase_orders", "PurchaseOrders", "PurchaseOrderID",
     {"page_size": 1000}),
    ("get_quotes", "quotes", "Quotes", "QuoteID", {}),
    ("get_linked_transactions", "linked_transactions", "LinkedTransactions",
     "LinkedTransactionID", {}),
]


@pytest.mark.parametrize(("method", "attribute", "key", "id_field", "kwargs"), PAGED,
                         ids=[p[0] for p in PAGED])
def test_sdk_pages_every_paged_object(sdk: ApiClient, client: SandboxClient, method: str,
                                      attribute: str, key: str, id_field: str,
                                      kwargs: dict[str, Any]) -> None:
    api = accounting(sdk, client)
    for tenant in tenant_ids(sdk, client):
        fetch = getattr(api, method)
        records = paged(functools.partial(fetch, tenant), attribute, **kwargs)
        snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in id_field).lstrip("_")
        got = {str(getattr(r, snake.replace("_i_d", "_id"))).lower() for r in records}
        assert got == visible_truth(client, tenant, key, id_field)


UNPAGED = [  # (method, collection attribute, truth key, id field, hidden in default lists)
    ("get_accounts", "accounts", "Accounts", "AccountID", None),
    ("get_bank_transfers", "bank_transfers", "BankTransfers", "BankTransferID", "DELETED"),
    ("get_batch_payments", "batch_payments", "BatchPayments", "BatchPaymentID", None),
    ("get_branding_themes", "branding_themes", "BrandingThemes", "BrandingThemeID", None),
    ("get_contact_groups", "contact_groups", "ContactGroups", "ContactGroupID", "DELETED"),
    ("get_currencies", "currencies", "Currencies", "Code", None),
    ("get_items", "items", "Items", "ItemID", None),
    ("get_organisations", "organisations", "Organisations", "OrganisationID", None),
    ("get_repeating_invoices", "repeating_invoices", "RepeatingInvoices", "RepeatingInvoiceID",
     None),
    ("get_tax_rates", "tax_rates", "TaxRates", "TaxType", None),
    ("get_tracking_categories", "tracking_categories", "TrackingCategories",
     "TrackingCategoryID", "ARCHIVED"),
    ("get_users", "users", "Users", "UserID", None),
]


def _plain(value: Any) -> Any:
    """The value behind an SDK enum (Currencies are keyed by a CurrencyCode enum)."""
    return getattr(value, "value", value)


def _id_attribute(id_field: str) -> str:
    special = {"Code": "code", "TaxType": "tax_type"}
    if id_field in special:
        return special[id_field]
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in id_field[:-2]).lstrip("_") + "_id"


@pytest.mark.parametrize(("method", "attribute", "key", "id_field", "hidden_status"), UNPAGED,
                         ids=[u[0] for u in UNPAGED])
def test_sdk_lists_every_unpaged_object(sdk: ApiClient, client: SandboxClient, method: str,
                                        attribute: str, key: str, id_field: str,
                                        hidden_status: str | None) -> None:
    api = accounting(sdk, client)
    for tenant in tenant_ids(sdk, client):
        records = getattr(getattr(api, method)(tenant), attribute)
        got = {str(_plain(getattr(r, _id_attribute(id_field)))).lower() for r in records}
        expected = visible_truth(client, tenant, key, id_field,
                                 lambda r: hidden_status is not None and
                                 r.get("Status") == hidden_status)
        assert got == expected


def test_sdk_reads_journals_by_offset(sdk: ApiClient, client: SandboxClient) -> None:
    api = accounting(sdk, client)
    tenant = tenant_ids(sdk, client)[0]
    numbers: list[int] = []
    offset = 0
    while True:
        batch = api.get_journals(tenant, offset=offset).journals
        numbers += [j.journal_number for j in batch]
        if len(batch) < 100:
            break
        offset = batch[-1].journal_number
    assert numbers == list(range(1, len(numbers) + 1))
    assert len(numbers) == len(visible_truth(client, tenant, "Journals", "JournalID"))


def test_sdk_reads_payroll_employees(sdk: ApiClient, client: SandboxClient) -> None:
    payroll = PayrollAuApi(sdk, base_url=f"{client.url}/payroll.xro/1.0")
    for tenant in tenant_ids(sdk, client):
        employees = paged(functools.partial(payroll.get_employees, tenant), "employees")
        got = {str(e.employee_id).lower() for e in employees}
        assert got == visible_truth(client, tenant, "Employees", "EmployeeID")


def test_sdk_reads_an_employees_detail_by_id_only(sdk: ApiClient, client: SandboxClient) -> None:
    payroll = PayrollAuApi(sdk, base_url=f"{client.url}/payroll.xro/1.0")
    tenant = tenant_ids(sdk, client)[0]
    listed = payroll.get_employees(tenant, page=1).employees[0]
    assert listed.home_address is None and listed.leave_balances is None  # a summary
    (detail,) = payroll.get_employee(tenant, listed.employee_id).employees
    assert detail.home_address.city and detail.tax_declaration.residency_status
    assert detail.leave_balances and detail.bank_accounts


def test_sdk_dates_deserialise_to_python_dates(sdk: ApiClient, client: SandboxClient) -> None:
    api = accounting(sdk, client)
    tenant = tenant_ids(sdk, client)[0]
    invoices = api.get_invoices(tenant, page=1, page_size=50).invoices
    assert all(isinstance(i.updated_date_utc, datetime) for i in invoices)
    assert all(isinstance(i.date, date) for i in invoices if i.date is not None)
    organisation = api.get_organisations(tenant).organisations[0]
    assert str(organisation.organisation_id) == tenant


@pytest.mark.parametrize("method", ["get_expense_claims", "get_receipts"])
def test_sdk_sees_retired_endpoints_as_not_found(sdk: ApiClient, client: SandboxClient,
                                                 method: str) -> None:
    api = accounting(sdk, client)
    tenant = tenant_ids(sdk, client)[0]
    with pytest.raises(NotFoundException):
        getattr(api, method)(tenant)
