"""Hostile and extreme values are stored exactly, or quarantined with a reason.

Quotes, SQL fragments, emoji, strings far over 4,000 characters, NULLs where Xero normally
sends a value, and dates at the edges of what DATE / DATETIME2 hold travel only as bound
parameters: the tables afterwards hold them character for character, and the SQL in them
never ran.
"""

from __future__ import annotations

import copy
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from tests.warehouse.conftest import ROOT, TENANT
from tests.warehouse.support import (
    Scratch,
    expected_rows,
    ms_date,
    raw,
    run,
    table_rows,
    warehouse_data,
    with_new_ids,
)
from tests.warehouse.test_load import with_items
from xero_sync.mapping import ObjectMapping, load_mapping
from xero_sync.transform import transform
from xero_sync.warehouse.sqlbase import SqlWarehouse
from xero_sync.warehouse.values import canonical

Record = dict[str, Any]
EMOJI = "Zoë 👩‍💻🚀 ☃ — “curly” \u00a0tab\tnew\nline \\ back 100% %s %(x)s ?"
LONG = "é😀" * 2600  # 5,200 characters, 7,800 UTF-16 units: over NVARCHAR(4000)


def hostile(template: Record, warehouse: SqlWarehouse) -> Record:
    """An invoice whose text is every kind of trouble for string-built SQL."""
    record = with_new_ids(template)
    record["Reference"] = "O'Brien \"quoted\" '; DROP TABLE x; --"
    record["InvoiceNumber"] = f"'); DROP TABLE {warehouse.table('invoices')}; --"
    record["Contact"] = {**record["Contact"], "Name": EMOJI}
    record["Url"] = "https://example.com/?q=" + "a" * 10_000
    record["Total"] = None  # a value Xero always sends, missing
    record["CurrencyRate"] = None
    record["Status"] = None
    item = record["LineItems"][0]
    item["Description"] = LONG
    item["Quantity"] = None
    if item.get("Tracking"):
        item["Tracking"][0]["Option"] = "Ünïcödé ' \" ]] [[ `"
    return record


def edge_dates(template: Record) -> Record:
    """An invoice with dates at the edges of DATE and DATETIME2(3)."""
    record = with_new_ids(template)
    record["Date"] = "/Date(-2208988800000+0000)/"  # 1900-01-01
    record["DueDate"] = "/Date(0+0000)/"  # 1970-01-01, which Xero sends for some voids
    record["ExpectedPaymentDate"] = "/Date(253402214400000+0000)/"  # 9999-12-31
    record["PlannedPaymentDate"] = "/Date(-62135596800000+0000)/"  # 0001-01-01
    record["FullyPaidOnDate"] = "/Date(-43200000+1300)/"  # 1969-12-31 12:00 UTC: 1 Jan in NZ
    record["UpdatedDateUTC"] = "/Date(253402300799999+0000)/"  # 9999-12-31 23:59:59.999
    for payment in record.get("Payments") or []:
        payment["Date"] = "/Date(-1+0000)/"  # 1969-12-31
    return record


def test_hostile_text_and_missing_values_are_stored_exactly(warehouse: SqlWarehouse,
                                                            invoices_mapping: ObjectMapping,
                                                            invoices: list[Record]) -> None:
    record = hostile(with_items(invoices), warehouse)

    counts = warehouse.load(transform(invoices_mapping, TENANT, [record]), run(), None)

    assert (counts.inserted, counts.quarantined) == (1, 0)
    assert warehouse_data(warehouse, invoices_mapping, TENANT) == expected_rows(
        invoices_mapping, TENANT, [record])
    row = table_rows(warehouse, "invoices", TENANT,
                     ["reference", "invoice_number", "contact_name", "url", "total", "status",
                      "_raw_json"])[0]
    assert row == (record["Reference"], record["InvoiceNumber"], EMOJI, record["Url"], None,
                   None, raw(record))
    description = table_rows(warehouse, "invoice_line_items", TENANT,
                             ["description", "quantity"])
    assert (LONG, None) in description
    assert len(LONG) > 4000


# Every escape JSON has, and text that looks like one: Babelfish's OPENJSON leaves them escaped
# (tsql.json_text decodes them), so each must come back as sent, in text and in _raw_json.
ESCAPES = ('q"uote b\\ack \\" \\\\ slash/ \b\f\n\r\t \x01\x02\x1f '
           'literal \\n \\u0001 \\u00e9 \\\\n end\\')
# The same without control characters that JSON writes as \u00XX (nor text that looks like
# one): on SQL Server this batch takes the shorter statement (tsql.has_control_escapes).
SHORT_ESCAPES = ('q"uote b\\ack \\" \\\\ slash/ \b\f\n\r\t \x7f '
                 'literal \\n \\u00e9 \\t \\\\n end\\')


@pytest.mark.parametrize("text", [ESCAPES, SHORT_ESCAPES], ids=["every", "short-only"])
def test_text_with_every_json_escape_is_stored_exactly(warehouse: SqlWarehouse,
                                                       invoices_mapping: ObjectMapping,
                                                       invoices: list[Record],
                                                       text: str) -> None:
    record = with_new_ids(with_items(invoices))
    record["Reference"] = text
    record["Contact"] = {**record["Contact"], "Name": text[::-1]}
    record["LineItems"][0]["Description"] = text * 3

    counts = warehouse.load(transform(invoices_mapping, TENANT, [record]), run(), None)
    again = warehouse.load(transform(invoices_mapping, TENANT, [record]), run("run-2"), None)

    assert (counts.inserted, counts.quarantined, again.unchanged) == (1, 0, 1)
    row = table_rows(warehouse, "invoices", TENANT, ["reference", "contact_name", "_raw_json"])
    assert row == [(text, text[::-1], raw(record))]
    assert (text * 3,) in table_rows(warehouse, "invoice_line_items", TENANT, ["description"])


def test_dates_at_the_edges_are_stored_exactly(warehouse: SqlWarehouse,
                                               invoices_mapping: ObjectMapping,
                                               invoices: list[Record]) -> None:
    record = edge_dates(with_items(invoices))
    pre_1970 = with_new_ids(invoices[0])
    pre_1970["UpdatedDateUTC"] = ms_date(datetime(1969, 7, 20, 20, 17, 40, 123000))

    counts = warehouse.load(transform(invoices_mapping, TENANT, [record, pre_1970]), run(),
                            None)

    assert (counts.inserted, counts.quarantined) == (2, 0)
    assert warehouse_data(warehouse, invoices_mapping, TENANT) == expected_rows(
        invoices_mapping, TENANT, [record, pre_1970])
    dates = table_rows(warehouse, "invoices", TENANT,
                       ["invoice_id", "date", "due_date", "expected_payment_date",
                        "planned_payment_date", "fully_paid_on_date", "updated_date_utc"])
    assert (record["InvoiceID"], "1900-01-01", "1970-01-01", "9999-12-31", "0001-01-01",
            "1970-01-01", "9999-12-31 23:59:59.999") in dates
    assert ("1969-07-20 20:17:40.123",) in table_rows(warehouse, "invoices", TENANT,
                                                      ["updated_date_utc"])


def test_typed_values_read_back_as_the_batch_holds_them(warehouse: SqlWarehouse,
                                                        invoices_mapping: ObjectMapping,
                                                        invoices: list[Record]) -> None:
    record = edge_dates(with_items(invoices))
    record["CurrencyRate"] = 0.0000000123  # ten decimal places: DECIMAL(28,10)
    record["Total"] = 123456789012345.1234  # fifteen integer digits: DECIMAL(19,4)
    batch = transform(invoices_mapping, TENANT, [record])

    warehouse.load(batch, run(), None)

    row = table_rows(warehouse, "invoices", TENANT, ["currency_rate", "total", "date",
                                                      "updated_date_utc", "sent_to_contact"])[0]
    parent = batch.parent.iloc[0]
    assert parent["currency_rate"] == Decimal("0.0000000123")
    assert parent["date"] == date(1900, 1, 1)
    assert row == tuple(canonical(parent[name]) for name in (
        "currency_rate", "total", "date", "updated_date_utc", "sent_to_contact"))
    # JSON gave floats: their shortest repr is stored ('….12'), never their binary value,
    # which formatted to four places would read '….1250'.
    assert row[:2] == ("0.0000000123", "123456789012345.1200")


def test_values_a_column_cannot_hold_are_quarantined_with_a_reason(
        warehouse: SqlWarehouse, invoices_mapping: ObjectMapping,
        invoices: list[Record]) -> None:
    good = with_new_ids(invoices[0])
    beyond_9999 = {**with_new_ids(invoices[1]), "Date": "/Date(253402300800000+0000)/"}
    bad_guid = {**copy.deepcopy(invoices[2]), "InvoiceID": "not-a-guid'; --"}
    too_long = {**with_new_ids(invoices[3]), "InvoiceNumber": "N" * 256}
    emoji_over = with_items(invoices)
    emoji_over = with_new_ids(emoji_over)
    emoji_over["LineItems"][0]["Tracking"] = [{**emoji_over["LineItems"][0]["Tracking"][0],
                                               "Name": "x" * 99 + "🚀"}]  # 100 chars, 101 units
    no_id = {k: v for k, v in invoices[4].items() if k != "InvoiceID"}
    # U+0000: PostgreSQL text cannot hold it, and it must not break the load there.
    nul_text = {**with_new_ids(invoices[5]), "Reference": "before\x00after"}
    nul_key = {**copy.deepcopy(invoices[6]), "InvoiceID": "bad\x00id"}
    records = [good, beyond_9999, bad_guid, too_long, emoji_over, no_id, nul_text, nul_key]

    counts = warehouse.load(transform(invoices_mapping, TENANT, records), run(), None)

    assert (counts.inserted, counts.quarantined) == (1, 7)
    stored = table_rows(warehouse, "_quarantine", TENANT,
                        ["record_key", "object", "reason", "raw_json", "run_id"])
    reasons = {row[0]: row[2] for row in stored}
    assert "Date=" in reasons[beyond_9999["InvoiceID"]]
    assert "InvoiceID=" in reasons["not-a-guid'; --"]
    assert "256" in reasons[too_long["InvoiceID"]]
    assert "101 UTF-16" in reasons[emoji_over["InvoiceID"]]
    assert reasons[None] == "the record has no InvoiceID"
    assert "Reference=" in reasons[nul_text["InvoiceID"]]
    assert "U+0000" in reasons[nul_text["InvoiceID"]]
    assert "InvoiceID=" in reasons["bad\\u0000id"]  # the key as JSON would spell it
    assert {row[3] for row in stored} == {raw(r) for r in records[1:]}
    assert {(row[1], row[4]) for row in stored} == {("invoices", "run-1")}
    assert table_rows(warehouse, "invoices", TENANT, ["invoice_id"]) == [(good["InvoiceID"],)]


# Numbers as text that int() and Decimal() read, but not as written: each would be altered.
NOT_PLAIN = [("1_000", "found U+005F LOW LINE"),
             ("\uff11\uff12", "found U+FF11 FULLWIDTH DIGIT ONE"),  # "12", full-width
             ("\u0663.\u0665", "found U+0663 ARABIC-INDIC DIGIT THREE"),  # "3.5"
             (" 12 ", "found U+0020 SPACE"), ("12\n", "found U+000A a control character"),
             ("1.2.3", "not a ")]


@pytest.mark.parametrize(("text", "found"), NOT_PLAIN,
                         ids=["underscore", "full-width", "arabic-indic", "spaces", "newline",
                              "two-points"])
def test_numbers_as_text_in_another_notation_are_quarantined_not_altered(
        invoices_mapping: ObjectMapping, invoices: list[Record], text: str, found: str) -> None:
    """Xero sends numbers as JSON numbers, sometimes as plain text; only plain ASCII notation is
    read, so a value is never stored as something other than what was sent."""
    plain = {"Total": "-1234.5", "SubTotal": "+3", "TotalTax": ".5", "AmountDue": "1E-2"}
    good = {**with_new_ids(invoices[0]), **plain}
    money, rate = ({**with_new_ids(invoices[i]), name: text}
                   for i, name in ((1, "Total"), (2, "CurrencyRate")))
    contacts = load_mapping(ROOT / "include" / "mappings" / "contacts.yaml")
    days = [{"ContactID": str(uuid.uuid4()), "PaymentTerms": {"Bills": {"Day": day}}}
            for day in ("-12", text)]

    batch = transform(invoices_mapping, TENANT, [good, money, rate])
    contact_batch = transform(contacts, TENANT, days)

    reasons = {q.record_key: q.reason for q in batch.quarantined}
    assert set(reasons) == {money["InvoiceID"], rate["InvoiceID"]}
    assert f"Total={text!r}: {found}" in reasons[money["InvoiceID"]]
    assert f"CurrencyRate={text!r}: {found}" in reasons[rate["InvoiceID"]]
    assert "a number in ASCII digits, such as -1234.5" in reasons[rate["InvoiceID"]]
    parent = batch.parent.iloc[0]
    assert [parent[c] for c in ("total", "sub_total", "total_tax", "amount_due")] == [
        Decimal("-1234.5"), 3, Decimal("0.5"), Decimal("0.01")]
    assert list(contact_batch.parent["bills_payment_term_day"]) == [-12]
    [refused] = contact_batch.quarantined
    assert f"PaymentTerms.Bills.Day={text!r}: {found}" in refused.reason
    assert "a whole number in ASCII digits, such as -12" in refused.reason


@pytest.mark.parametrize("code", ["TAX\x01\x1fODD", 'TAX"\\n\tODD'], ids=["controls", "short"])
def test_a_text_key_with_escapes_stays_live_through_a_full_snapshot(
        scratch: Scratch, tax_rates: list[Record], code: str) -> None:
    """A full snapshot records the keys it read and marks every other row deleted: a text key
    (tax rates are keyed by TaxType) must come back from its JSON list exactly, with control
    characters or without, or its own row would be marked deleted. The record quarantined
    under the same key first is forgotten once a good copy loads (the same key list)."""
    mapping = load_mapping(ROOT / "include" / "mappings" / "tax_rates.yaml")
    warehouse = scratch.open()
    warehouse.ensure_tables([mapping])
    record = {**tax_rates[0], "TaxType": code}
    bad = {**record, "EffectiveRate": "not a number"}
    warehouse.load(transform(mapping, TENANT, [bad]), run("run-1"), None)
    assert table_rows(warehouse, "_quarantine", TENANT, ["record_key"]) == [(code,)]

    snapshot = run("run-2", snapshot=True)
    warehouse.load(transform(mapping, TENANT, [record]), snapshot, None)
    marked = warehouse.mark_missing_deleted(mapping, TENANT, snapshot, None)

    assert marked == 0
    assert table_rows(warehouse, "tax_rates", TENANT, ["tax_type", "is_deleted"]) == [(code, 0)]
    assert table_rows(warehouse, "_quarantine", TENANT, ["record_key"]) == []
