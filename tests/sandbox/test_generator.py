"""The generated organisations: deterministic, consistent, and readable by the official SDK.

The SDK test matters most: the sync is written against Xero's wire format, and xero-python is the
strictest reader of that format we have (it raises on unknown enum values and bad dates).
"""

from __future__ import annotations

import functools
import json
import re
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from xero_sandbox import endpoints
from xero_sandbox.generator import ANCHOR_MS, COLLECTION_KEYS, START_MS, generate_organisation
from xero_sandbox.msdate import iso_no_zone, parse_ms

xero_python = pytest.importorskip("xero_python")
from xero_python.accounting import AccountingApi  # noqa: E402
from xero_python.api_client import ApiClient  # noqa: E402
from xero_python.payrollau import PayrollAuApi  # noqa: E402

TENANT = "0a1b2c3d-0000-4000-8000-00000000000{}"
MS_DATE = re.compile(r"^/Date\(-?\d+\+0000\)/$")
# Fields Xero sends that the SDK models do not declare (xero-api.md section 3).
WIRE_ONLY = {"Invoice": {"DateString", "DueDateString"}}
SINGULAR = {
    "Accounts": "Account", "BankTransactions": "BankTransaction", "BankTransfers": "BankTransfer",
    "BatchPayments": "BatchPayment", "BrandingThemes": "BrandingTheme", "Contacts": "Contact",
    "ContactGroups": "ContactGroup", "CreditNotes": "CreditNote", "Currencies": "Currency",
    "Invoices": "Invoice", "Items": "Item", "Journals": "Journal",
    "LinkedTransactions": "LinkedTransaction", "ManualJournals": "ManualJournal",
    "Organisations": "Organisation", "Overpayments": "Overpayment", "Payments": "Payment",
    "Prepayments": "Prepayment", "PurchaseOrders": "PurchaseOrder", "Quotes": "Quote",
    "RepeatingInvoices": "RepeatingInvoice", "TaxRates": "TaxRate",
    "TrackingCategories": "TrackingCategory", "Users": "User", "Employees": "Employee",
}


@functools.cache
def org(scale: int = 150, tenant_index: int = 0, seed: int = 42) -> dict[str, list[dict]]:
    """A generated organisation, built once per argument set (tests must not mutate it)."""
    return generate_organisation(seed, tenant_index, TENANT.format(tenant_index),
                                 f"Tenant {tenant_index}", scale)


def id_field(key: str) -> str:
    """The id field of a collection, from the endpoint registry the server uses."""
    for endpoint in endpoints.served():
        if endpoint.key == key:
            return endpoint.id_field
    raise KeyError(key)


def walk(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every (path, value) pair below ``value``, including nested lists and dicts."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for item in value:
            yield from walk(item, f"{path}[]")
    else:
        yield path, value


def ms(text: str) -> int:
    """The instant of a wire date (the tests assert they all parse)."""
    value = parse_ms(text)
    assert value is not None, text
    return value


class _Response:
    """The part of the SDK's RESTResponse that ApiClient.deserialize reads."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.data = json.dumps(body).encode()
        self.text = self.data.decode()


def sdk_read(key: str, records: list[dict]) -> Any:
    """Deserialise records exactly as the SDK does a list response (Decimal floats, ms dates)."""
    client = ApiClient()
    api = PayrollAuApi(client) if key == "Employees" else AccountingApi(client)
    wrapper = client.deserialize(_Response({key: records}), key, api.get_model_finder())
    return getattr(wrapper, _snake(key))


def _snake(name: str) -> str:
    """The SDK's attribute name for a collection key."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


# --------------------------------------------------------------------------------------------


def test_same_arguments_give_identical_json() -> None:
    first = generate_organisation(7, 1, TENANT.format(1), "Same", 120)
    second = generate_organisation(7, 1, TENANT.format(1), "Same", 120)
    assert json.dumps(first, sort_keys=False) == json.dumps(second, sort_keys=False)


def test_different_seed_or_tenant_gives_different_data_and_ids() -> None:
    base = generate_organisation(7, 1, TENANT.format(1), "Same", 60)
    other_seed = generate_organisation(8, 1, TENANT.format(1), "Same", 60)
    other_tenant = generate_organisation(7, 2, TENANT.format(1), "Same", 60)
    assert json.dumps(base) != json.dumps(other_seed)
    ids = {i["InvoiceID"] for i in base["Invoices"]}
    assert not ids & {i["InvoiceID"] for i in other_seed["Invoices"]}
    assert not ids & {i["InvoiceID"] for i in other_tenant["Invoices"]}


@pytest.mark.parametrize("scale", [1, 10, 150])
def test_every_collection_is_present_and_non_empty(scale: int) -> None:
    data = org(scale)
    assert tuple(data) == COLLECTION_KEYS
    assert all(data[key] for key in COLLECTION_KEYS), [k for k in COLLECTION_KEYS if not data[k]]


@pytest.mark.parametrize("scale", [10, 150])
def test_every_record_has_a_unique_id(scale: int) -> None:
    for key, records in org(scale).items():
        field = id_field(key)
        ids = [record[field] for record in records]
        assert all(ids), key
        assert len(set(ids)) == len(ids), key


def test_organisation_is_the_tenant() -> None:
    (record,) = org()["Organisations"]
    assert record["OrganisationID"] == TENANT.format(0)
    assert record["OrganisationStatus"] == "ACTIVE"
    for field in ("Name", "LegalName", "BaseCurrency", "CountryCode", "Timezone",
                  "OrganisationType", "ShortCode", "Version", "FinancialYearEndDay",
                  "FinancialYearEndMonth", "CreatedDateUTC", "PeriodLockDate"):
        assert field in record


def test_no_none_or_empty_string_anywhere() -> None:
    for key, records in org().items():
        for path, value in walk(records, key):
            assert value is not None and value != "", path


def test_every_date_is_an_ms_date() -> None:
    seen = 0
    for key, records in org().items():
        for path, value in walk(records, key):
            if isinstance(value, str) and "/Date(" in value:
                assert MS_DATE.match(value), (path, value)
                seen += 1
            if path.endswith(("Date", "DateUTC")) and not path.endswith("Schedule.DueDate"):
                assert isinstance(value, str) and MS_DATE.match(value), (path, value)
    assert seen > 1000


def test_pre_1970_and_zero_dates_are_present() -> None:
    values = [v for _, v in walk(org()) if isinstance(v, str) and v.startswith("/Date(")]
    assert any(v.startswith("/Date(-") for v in values)
    assert "/Date(0+0000)/" in values
    voided_zero = [i for i in org()["Invoices"] if i["Date"] == "/Date(0+0000)/"]
    assert voided_zero and all(i["Status"] == "VOIDED" for i in voided_zero)
    zero_journals = [j for j in org()["Journals"] if j["JournalDate"] == "/Date(0+0000)/"]
    assert len(zero_journals) >= 2  # the posting and its reversal


def test_text_is_not_all_ascii() -> None:
    names = {c["Name"] for c in org(10)["Contacts"]}
    assert {"Müller & Söhne GmbH", "株式会社テスト", "Café Ōtautahi"} <= names
    assert any("'" in n for n in names) and any('"' in n for n in names)
    assert any(ord(ch) > 0xFFFF for n in names for ch in n)  # emoji


def test_archived_voided_and_deleted_records_are_present() -> None:
    data = org()
    assert any(c["ContactStatus"] == "ARCHIVED" for c in data["Contacts"])
    assert any("MergedToContactID" in c for c in data["Contacts"])
    for key in ("Invoices", "CreditNotes", "ManualJournals", "BankTransactions"):
        statuses = {r["Status"] for r in data[key]}
        assert {"VOIDED", "DELETED"} <= statuses, key
    assert any(p["Status"] == "DELETED" for p in data["Payments"])
    assert any(t["Status"] == "DELETED" for t in data["BankTransfers"])
    assert any(g["Status"] == "DELETED" for g in data["ContactGroups"])
    assert any(t["Status"] == "ARCHIVED" for t in data["TrackingCategories"])
    assert any(a["Status"] == "ARCHIVED" for a in data["Accounts"])
    assert {"ACTIVE", "TERMINATED"} == {e["Status"] for e in data["Employees"]}


@pytest.mark.parametrize("scale", [10, 150])
def test_journals_balance_and_are_numbered_in_creation_order(scale: int) -> None:
    journals = org(scale)["Journals"]
    assert [j["JournalNumber"] for j in journals] == list(range(1, len(journals) + 1))
    created = [ms(j["CreatedDateUTC"]) for j in journals]
    assert created == sorted(created)
    for journal in journals:
        net = sum(Decimal(str(line["NetAmount"])) for line in journal["JournalLines"])
        assert net == 0, journal["JournalID"]
        for line in journal["JournalLines"]:
            gross = Decimal(str(line["NetAmount"])) + Decimal(str(line["TaxAmount"]))
            assert Decimal(str(line["GrossAmount"])) == gross
            assert len(line.get("TrackingCategories", [])) <= 2


def test_every_posted_document_has_journals() -> None:
    data = org()
    sources = Counter(j["SourceID"] for j in data["Journals"])
    for invoice in data["Invoices"]:
        expected = {"AUTHORISED": 1, "PAID": 1, "VOIDED": 2}.get(invoice["Status"], 0)
        assert sources[invoice["InvoiceID"]] == expected, invoice["Status"]
    for payment in data["Payments"]:
        assert sources[payment["PaymentID"]] == (2 if payment["Status"] == "DELETED" else 1)
    for transaction in data["BankTransactions"]:
        if transaction["Type"] in ("SPEND", "RECEIVE"):
            assert sources[transaction["BankTransactionID"]] in (1, 2)
    for journal in data["ManualJournals"]:
        posted = journal["Status"] in ("POSTED", "ARCHIVED", "VOIDED")
        assert bool(sources[journal["ManualJournalID"]]) == posted


def test_invoice_amounts_payments_and_credits_agree() -> None:
    data = org()
    paid: Counter[str] = Counter()
    for payment in data["Payments"]:
        if payment["Status"] == "AUTHORISED" and "Invoice" in payment:
            paid[payment["Invoice"]["InvoiceID"]] += round(payment["Amount"] * 100)
    for invoice in data["Invoices"]:
        total, tax = round(invoice["Total"] * 100), round(invoice["TotalTax"] * 100)
        assert total == round(invoice["SubTotal"] * 100) + tax
        lines = sum(round(line["LineAmount"] * 100) for line in invoice["LineItems"])
        assert total == (lines if invoice["LineAmountTypes"] == "Inclusive" else lines + tax)
        if invoice["Status"] not in ("AUTHORISED", "PAID"):
            continue
        amounts = [round(invoice[f] * 100) for f in ("AmountDue", "AmountPaid", "AmountCredited")]
        assert sum(amounts) == total
        assert amounts[1] == paid[invoice["InvoiceID"]]
        assert amounts[1] == sum(round(p["Amount"] * 100) for p in invoice["Payments"])
        credited = sum(round(c["AppliedAmount"] * 100) for f in
                       ("CreditNotes", "Prepayments", "Overpayments") for c in invoice[f])
        assert amounts[2] == credited
        assert (invoice["Status"] == "PAID") == (amounts[0] == 0)
        assert (invoice["Status"] == "PAID") == ("FullyPaidOnDate" in invoice)


def test_credit_allocations_match_invoices() -> None:
    data = org()
    invoices = {i["InvoiceID"]: i for i in data["Invoices"]}
    allocations = 0
    for key in ("CreditNotes", "Prepayments", "Overpayments"):
        for credit in data[key]:
            for allocation in credit["Allocations"]:
                invoice = invoices[allocation["Invoice"]["InvoiceID"]]
                assert invoice["Contact"]["ContactID"] == credit["Contact"]["ContactID"]
                assert invoice["CurrencyCode"] == credit["CurrencyCode"]
                allocations += 1
            if credit["Status"] in ("AUTHORISED", "PAID"):
                used = sum(round(a["Amount"] * 100) for a in credit["Allocations"])
                used += sum(round(p["Amount"] * 100) for p in credit["Payments"])
                assert round(credit["RemainingCredit"] * 100) == round(credit["Total"] * 100) - used
    assert allocations >= 3


def test_accrec_invoice_numbers_are_unique_and_both_types_exist() -> None:
    invoices = org()["Invoices"]
    numbers = [i["InvoiceNumber"] for i in invoices if i["Type"] == "ACCREC"]
    assert len(numbers) == len(set(numbers))
    assert {"ACCREC", "ACCPAY"} == {i["Type"] for i in invoices}


def test_references_resolve() -> None:
    data = org()
    contacts = {c["ContactID"] for c in data["Contacts"]}
    codes = {a["Code"] for a in data["Accounts"]}
    taxes = {t["TaxType"] for t in data["TaxRates"]}
    options = {o["TrackingOptionID"] for c in data["TrackingCategories"] for o in c["Options"]}
    for path, value in walk(data):
        name = path.rsplit(".", 1)[-1]
        if path.endswith(("Contact.ContactID", "Contacts[].ContactID",
                          "LinkedTransactions[].ContactID")):
            assert value in contacts, path
        elif name in ("AccountCode", "COGSAccountCode", "InventoryAssetAccountCode"):
            assert value in codes, path
        elif name in ("TaxType", "AccountsReceivableTaxType", "AccountsPayableTaxType"):
            assert value in taxes, path
        elif name == "TrackingOptionID":
            assert value in options, path


def test_lines_have_at_most_two_tracking_categories() -> None:
    lines = [line for key in ("Invoices", "CreditNotes", "BankTransactions", "Quotes")
             for record in org()[key] for line in record["LineItems"]]
    assert any(len(line.get("Tracking", [])) == 2 for line in lines)
    assert all(len(line.get("Tracking", [])) <= 2 for line in lines)


def test_currencies_and_rates() -> None:
    data = org()
    base = data["Organisations"][0]["BaseCurrency"]
    codes = {c["Code"] for c in data["Currencies"]}
    assert base in codes and len(codes) >= 4
    foreign = [i for i in data["Invoices"] if i["CurrencyCode"] != base]
    assert foreign and all(i["CurrencyRate"] != 1.0 for i in foreign)
    assert all(i["CurrencyRate"] == 1.0 for i in data["Invoices"] if i["CurrencyCode"] == base)
    assert {i["CurrencyCode"] for i in data["Invoices"]} <= codes
    assert len({org(10, t)["Organisations"][0]["BaseCurrency"] for t in range(4)}) == 4


def _stamps(record: dict) -> list[int]:
    """The record's own change timestamps (not nested ones)."""
    return [ms(record[f]) for f in ("UpdatedDateUTC", "CreatedDateUTC") if f in record]


def test_timestamps_lie_in_the_window_and_follow_dates() -> None:
    for key, records in org().items():
        for record in records:
            for stamp in _stamps(record):
                assert START_MS <= stamp <= ANCHOR_MS, key
            if "Date" in record and _stamps(record):
                assert ms(record["Date"]) <= min(_stamps(record)), key
    for invoice in org()["Invoices"]:
        if "FullyPaidOnDate" in invoice:
            assert ms(invoice["FullyPaidOnDate"]) <= ms(invoice["UpdatedDateUTC"])


@pytest.mark.parametrize("key", ["Invoices", "Contacts", "Payments"])
def test_some_records_share_a_second_and_a_millisecond(key: str) -> None:
    stamps = [ms(r["UpdatedDateUTC"]) for r in org(200)[key]]
    same_ms = [n for n in Counter(stamps).values() if n > 1]
    seconds = Counter(s // 1000 for s in set(stamps))
    assert same_ms, key
    assert any(n > 1 for n in seconds.values()), key


def test_string_twins_agree_with_their_dates() -> None:
    data = org()
    for invoice in data["Invoices"]:
        assert invoice["DateString"] == iso_no_zone(ms(invoice["Date"]))
        assert invoice["DueDateString"] == iso_no_zone(ms(invoice["DueDate"]))
    for key in ("Invoices", "CreditNotes", "Payments", "Prepayments", "Overpayments"):
        for record in data[key]:
            assert record["UpdatedDateUTCString"] == iso_no_zone(ms(record["UpdatedDateUTC"])) + "Z"
    for quote in data["Quotes"]:
        assert quote["ExpiryDateString"] == iso_no_zone(ms(quote["ExpiryDate"]))


def test_scale_sets_realistic_proportions() -> None:
    counts = {key: len(records) for key, records in org(1000).items()}
    assert 950 <= counts["Invoices"] <= 1050
    assert counts["Contacts"] == 200
    assert 500 <= counts["Payments"] <= 750
    assert 40 <= counts["CreditNotes"] <= 70
    assert 450 <= counts["BankTransactions"] <= 550
    assert 80 <= counts["PurchaseOrders"] <= 120 and 80 <= counts["Quotes"] <= 120
    assert 15 <= counts["ManualJournals"] <= 30
    assert 20 <= counts["Items"] <= 50
    assert 10 <= counts["Employees"] <= 30
    assert counts["Journals"] > counts["Invoices"]


# --------------------------------------------------------------------------------------------
# The official SDK


@pytest.mark.parametrize("tenant_index", [0, 1, 2, 3])
def test_the_sdk_reads_every_collection(tenant_index: int) -> None:
    data = org(120, tenant_index)
    for key, records in data.items():
        objects = sdk_read(key, records)
        assert len(objects) == len(records), key


def _unknown_fields(models: Any, type_name: str, value: Any, found: set[str]) -> None:
    """Collect wire fields the SDK model does not declare (the SDK would silently drop them)."""
    match = re.match(r"list\[(.*)\]", type_name)
    if match:
        for item in value:
            _unknown_fields(models, match.group(1), item, found)
        return
    model = getattr(models, type_name, None)
    if model is None or not hasattr(model, "attribute_map"):
        return
    wire = {name: attr for attr, name in model.attribute_map.items()}
    for name, item in value.items():
        if name not in wire:
            if name not in WIRE_ONLY.get(type_name, set()):
                found.add(f"{type_name}.{name}")
            continue
        _unknown_fields(models, model.openapi_types[wire[name]], item, found)


def test_the_sdk_declares_every_field_we_send() -> None:
    from xero_python.accounting import models as accounting
    from xero_python.payrollau import models as payroll

    found: set[str] = set()
    for tenant_index in range(4):
        for key, records in org(120, tenant_index).items():
            models = payroll if key == "Employees" else accounting
            for record in records:
                _unknown_fields(models, SINGULAR[key], record, found)
    assert not found


def test_the_sdk_round_trips_dates_and_amounts() -> None:
    data = org()
    invoice = next(i for i in data["Invoices"] if i["Status"] == "PAID")
    (read,) = sdk_read("Invoices", [invoice])
    assert read.date == datetime.fromtimestamp(ms(invoice["Date"]) / 1000, UTC).date()
    assert read.updated_date_utc == datetime.fromtimestamp(ms(invoice["UpdatedDateUTC"]) / 1000,
                                                           UTC)
    assert read.total == Decimal(str(invoice["Total"]))
    assert read.amount_due == 0
    assert read.line_items[0].line_item_id == invoice["LineItems"][0]["LineItemID"]
    assert read.payments[0].amount == Decimal(str(invoice["Payments"][0]["Amount"]))
    zero = next(i for i in data["Invoices"] if i["Date"] == "/Date(0+0000)/")
    assert sdk_read("Invoices", [zero])[0].date.isoformat() == "1970-01-01"
    oldest = min(data["Employees"], key=lambda e: ms(e["DateOfBirth"]))
    (employee,) = sdk_read("Employees", [oldest])
    assert employee.date_of_birth.year < 1970
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    born = epoch + timedelta(milliseconds=ms(oldest["DateOfBirth"]))
    assert employee.date_of_birth == born.date()
    assert employee.status.value == oldest["Status"]


@pytest.mark.slow
def test_scale_ten_thousand_is_fast() -> None:
    started = time.perf_counter()
    data = generate_organisation(1, 0, TENANT.format(0), "Big", 10_000)
    assert time.perf_counter() - started < 15
    assert len(data["Invoices"]) >= 9_500
