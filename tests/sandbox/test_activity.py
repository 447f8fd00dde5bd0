"""Simulated user activity: every change is reported, stamped ``now`` and keeps the books whole.

An incremental sync is judged against these reports, so the tests compare the whole tenant before
and after: anything that changed must be reported, and anything reported must have changed.
"""

from __future__ import annotations

import copy
import json
import random
from decimal import Decimal
from typing import Any

import pytest

from xero_sandbox import endpoints
from xero_sandbox.activity import ActivityReport, simulate_activity
from xero_sandbox.generator import ANCHOR_MS, generate_organisation
from xero_sandbox.msdate import format_ms, parse_ms

NOW = ANCHOR_MS + 5 * 86_400_000 + 4321  # some days after the generated history ends
HOUR = 3_600_000
ID_FIELDS = {endpoint.key: endpoint.id_field for endpoint in endpoints.served()}
Data = dict[str, dict[str, dict[str, Any]]]


def tenant(scale: int = 120, tenant_index: int = 0) -> Data:
    """A freshly generated tenant, keyed by collection and id as the sandbox stores it."""
    raw = generate_organisation(3, tenant_index, f"tenant-{tenant_index}", "Org", scale)
    return {key: {str(r[ID_FIELDS[key]]): r for r in records} for key, records in raw.items()}


def stamp_of(key: str, record: dict[str, Any]) -> str | None:
    """The field If-Modified-Since compares for this collection."""
    return record.get("CreatedDateUTC" if key in ("Journals", "BankTransfers")
                      else "UpdatedDateUTC")


def ids(report: ActivityReport, bucket: str, key: str) -> set[str]:
    """The ids one report bucket holds for a collection."""
    return set(getattr(report, bucket).get(key, []))


def cents(value: float) -> int:
    """Exact cents of a wire amount."""
    return round(value * 100)


def assert_books_whole(data: Data) -> None:
    """Journals numbered and balanced, invoices agree with their payments and credits."""
    journals = sorted(data["Journals"].values(), key=lambda j: j["JournalNumber"])
    assert [j["JournalNumber"] for j in journals] == list(range(1, len(journals) + 1))
    for journal in journals:
        assert sum(Decimal(str(line["NetAmount"])) for line in journal["JournalLines"]) == 0
    contacts = data["Contacts"]
    paid: dict[str, int] = {}
    for payment in data["Payments"].values():
        if payment["Status"] == "AUTHORISED" and "Invoice" in payment:
            invoice_id = payment["Invoice"]["InvoiceID"]
            paid[invoice_id] = paid.get(invoice_id, 0) + cents(payment["Amount"])
    for invoice in data["Invoices"].values():
        assert invoice["Contact"]["ContactID"] in contacts
        if invoice["Status"] in ("AUTHORISED", "PAID"):
            parts = sum(cents(invoice[f]) for f in ("AmountDue", "AmountPaid", "AmountCredited"))
            assert parts == cents(invoice["Total"])
            assert cents(invoice["AmountPaid"]) == paid.get(invoice["InvoiceID"], 0)
            assert (invoice["Status"] == "PAID") == (cents(invoice["AmountDue"]) == 0)
        if invoice["Status"] == "VOIDED":
            assert invoice["AmountDue"] == 0
    for key, records in data.items():
        assert all(record_id == str(r[ID_FIELDS[key]]) for record_id, r in records.items())


# --------------------------------------------------------------------------------------------


def test_every_change_is_reported_and_stamped_now() -> None:
    data = tenant()
    before = copy.deepcopy(data)
    report = simulate_activity(data, random.Random(1), NOW)
    now = format_ms(NOW)
    for key in data:
        old, new = before[key], data[key]
        assert set(new) - set(old) == ids(report, "created", key), key
        assert set(old) - set(new) == ids(report, "hard_deleted", key), key
        changed = {i for i in set(old) & set(new) if old[i] != new[i]}
        assert changed == ids(report, "updated", key) | ids(report, "silent", key), key
        for record_id in ids(report, "created", key) | ids(report, "updated", key):
            assert stamp_of(key, new[record_id]) == now, (key, record_id)
        for record_id in ids(report, "silent", key):
            assert stamp_of(key, new[record_id]) == stamp_of(key, old[record_id]), key


def test_intensity_ten_does_what_a_small_team_does() -> None:
    report = simulate_activity(tenant(), random.Random(2), NOW, intensity=10)
    assert len(report.created["Invoices"]) == 10
    assert len(report.created["Contacts"]) == 2
    assert 1 <= len(report.created["Payments"]) <= 5
    assert len(report.created["CreditNotes"]) == 1
    assert len(report.updated["Invoices"]) >= 8  # edits, payments, voids, a credit allocation
    assert len(report.updated["Contacts"]) == 1  # archived
    assert report.hard_deleted == {"Items": report.hard_deleted["Items"],
                                   "LinkedTransactions": report.hard_deleted["LinkedTransactions"]}
    assert len(report.hard_deleted["Items"]) == 1
    assert len(report.hard_deleted["LinkedTransactions"]) == 1
    assert sum(len(v) for v in report.silent.values()) == 1
    assert report.created["Journals"]


def test_intensity_scales_the_counts() -> None:
    small = simulate_activity(tenant(), random.Random(3), NOW, intensity=2)
    large = simulate_activity(tenant(), random.Random(3), NOW, intensity=30)
    assert len(small.created["Invoices"]) == 2
    assert len(large.created["Invoices"]) == 30
    assert len(large.created["Contacts"]) == 6


def test_the_changes_land_as_a_user_would_make_them() -> None:
    data = tenant()
    report = simulate_activity(data, random.Random(4), NOW)
    updated = [data["Invoices"][i] for i in report.updated["Invoices"]]
    assert any(i["Status"] == "VOIDED" for i in updated)
    assert any(i["Payments"] and parse_ms(i["Payments"][-1]["Date"]) == NOW - NOW % 86_400_000
               for i in updated)
    archived = data["Contacts"][report.updated["Contacts"][0]]
    assert archived["ContactStatus"] == "ARCHIVED"
    credit = data["CreditNotes"][report.created["CreditNotes"][0]]
    assert credit["Status"] in ("AUTHORISED", "PAID") and credit["Allocations"]
    for payment_id in report.created["Payments"]:
        payment = data["Payments"][payment_id]
        assert payment["Invoice"]["InvoiceID"] in report.updated["Invoices"]


def test_the_silent_edit_is_a_documented_blind_spot() -> None:
    data = tenant()
    before = copy.deepcopy(data)
    report = simulate_activity(data, random.Random(5), NOW)
    ((key, (record_id,)),) = report.silent.items()
    old, new = before[key][record_id], data[key][record_id]
    assert old != new and old["UpdatedDateUTC"] == new["UpdatedDateUTC"]
    if key == "Invoices":
        assert new["Status"] == "AUTHORISED" and new["AmountPaid"] > 0 and new["AmountDue"] > 0
        assert {k for k in new if new[k] != old[k]} == {"DueDate", "DueDateString"}
    else:
        assert {k for k in new if new.get(k) != old.get(k)} <= {"Balances", "IsSupplier"}


def test_new_journals_continue_the_numbering() -> None:
    data = tenant()
    last = max(j["JournalNumber"] for j in data["Journals"].values())
    report = simulate_activity(data, random.Random(6), NOW)
    new = sorted(data["Journals"][i]["JournalNumber"] for i in report.created["Journals"])
    assert new == list(range(last + 1, last + 1 + len(new)))
    assert_books_whole(data)


@pytest.mark.parametrize("scale", [10, 150])
def test_repeated_activity_keeps_the_books_whole(scale: int) -> None:
    data = tenant(scale, tenant_index=2)
    rng = random.Random(7)
    for round_number in range(5):
        now = NOW + round_number * HOUR
        report = simulate_activity(data, rng, now)
        assert len(report.created["Invoices"]) == 10
        assert sum(len(v) for v in report.silent.values()) == 1
        for invoice_id in report.created["Invoices"] + report.updated["Invoices"]:
            assert data["Invoices"][invoice_id]["UpdatedDateUTC"] == format_ms(now)
        assert_books_whole(data)


def test_same_rng_state_gives_the_same_activity() -> None:
    first, second = tenant(), tenant()
    report_a = simulate_activity(first, random.Random(8), NOW)
    report_b = simulate_activity(second, random.Random(8), NOW)
    assert report_a == report_b
    assert json.dumps(first) == json.dumps(second)
    third = tenant()
    assert simulate_activity(third, random.Random(9), NOW) != report_a


def test_the_sdk_still_reads_everything_after_activity() -> None:
    from xero_python.accounting import AccountingApi
    from xero_python.api_client import ApiClient
    from xero_python.payrollau import PayrollAuApi

    data = tenant(60, tenant_index=3)
    rng = random.Random(10)
    for round_number in range(3):
        simulate_activity(data, rng, NOW + round_number * HOUR)
    client = ApiClient()

    class Response:
        def __init__(self, body: dict[str, Any]) -> None:
            self.data = json.dumps(body).encode()
            self.text = self.data.decode()

    for key, records in data.items():
        api = PayrollAuApi(client) if key == "Employees" else AccountingApi(client)
        body = Response({key: list(records.values())})
        assert client.deserialize(body, key, api.get_model_finder()) is not None, key


def test_without_a_partly_paid_invoice_a_contact_changes_silently() -> None:
    data = tenant()
    for invoice in data["Invoices"].values():  # hide every candidate for the DueDate edit
        if invoice["Status"] == "AUTHORISED" and invoice["AmountPaid"] and invoice["AmountDue"]:
            invoice["Status"] = "SUBMITTED"
    before = copy.deepcopy(data)
    report = simulate_activity(data, random.Random(11), NOW, intensity=1)
    ((key, (record_id,)),) = report.silent.items()
    assert key == "Contacts"
    old, new = before[key][record_id], data[key][record_id]
    assert old != new and old["UpdatedDateUTC"] == new["UpdatedDateUTC"]
    assert {k for k in new if new.get(k) != old.get(k)} <= {"Balances", "IsSupplier"}
