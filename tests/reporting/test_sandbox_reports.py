"""The sandbox's Reports API: Xero's shape (its OpenAPI schema, its examples, the official SDK),
figures that add up as accounts must, and a ledger that agrees with the documents."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

import pytest
from xero_python.accounting import AccountingApi
from xero_python.api_client import ApiClient, Configuration
from xero_python.api_client.oauth2 import OAuth2Token

from tests.reporting import figures
from tests.reporting.conftest import REPORT_SCOPES
from tests.sandbox.conftest import SandboxClient
from xero_sandbox import reports
from xero_sandbox.generator import ANCHOR_MS
from xero_sandbox.ledger import Ledger, add_months, cents_of, day_of, month_end
from xero_sandbox.msdate import from_ms
from xero_sandbox.server import Sandbox

TODAY = from_ms(ANCHOR_MS).date()
MONTH_ENDS = [month_end(add_months(TODAY.replace(day=1), -k)) for k in range(1, 16)]


def build(data: Any, name: str, **params: str) -> figures.Report:
    report = reports.build(name, data, params, TODAY, ANCHOR_MS)
    assert report is not None
    return figures.check_shape({"Reports": [report]})


def organisations(sandbox: Sandbox) -> list[Any]:
    return [org.data for org in sandbox.state.organisations.values()]


def receivable_contact(data: Any, invoice_type: str = "ACCREC") -> str:
    """A contact with an open invoice of the type."""
    return next(str(i["Contact"]["ContactID"]) for i in data["Invoices"].values()
                if i["Type"] == invoice_type and i["Status"] == "AUTHORISED")


# -- shape -----------------------------------------------------------------------------------


def test_the_readers_read_xeros_own_examples() -> None:
    examples = figures.EXAMPLES
    tb = figures.trial_balance(figures.check_shape(examples["TrialBalance"]))
    assert tb.totals == [120000, 120000, 4601900, 4601900]
    assert sum(tb.month.values()) == 0 and sum(tb.ytd.values()) == 0
    bs = figures.statement(figures.check_shape(examples["BalanceSheet"]))
    assert bs.lines["Net Assets"] == [18544830, 18533367, 46400]
    assert bs.accounts[figures.ZERO_ID] == [11462, 15662167, 50000]
    aged = figures.aged(figures.check_shape(examples["AgedReceivablesByContact"]))
    assert aged.closing == sum(due for *_, due in aged.invoices.values()) + aged.opening


@pytest.mark.parametrize("name", reports.REPORT_NAMES)
def test_every_report_has_xeros_shape_over_http(client: SandboxClient, token: str,
                                                name: str) -> None:
    data = organisations(client.sandbox)[0]
    params = {"date": MONTH_ENDS[0].isoformat()}
    if name.startswith("Aged"):
        params["contactId"] = receivable_contact(data, "ACCREC" if "Rec" in name else "ACCPAY")
    reply = client.api(f"/api.xro/2.0/Reports/{name}", token, params=params)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["Status"] == "OK" and body["Id"]
    report = figures.check_shape(body)
    assert report["ReportType"] == name and report["ReportID"] == name
    today = from_ms(client.sandbox.state.clock.now_ms()).date()
    assert report["ReportDate"] == reports.long_date(today)
    xml = client.api(f"/api.xro/2.0/Reports/{name}", token, params=params, accept_json=False)
    assert xml.status_code == 200 and xml.text.startswith("<Response")


def test_the_official_sdk_reads_every_report(client: SandboxClient, token: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    configuration = Configuration()
    configuration.oauth2_token = OAuth2Token(client_id="sandbox", client_secret="sandbox")
    sdk = ApiClient(configuration, pool_threads=1)
    sdk.oauth2_token_getter(lambda: {"access_token": token, "token_type": "Bearer",
                                     "expires_in": 1800, "scope": REPORT_SCOPES.split(),
                                     "expires_at": 4102444800})
    api = AccountingApi(sdk, base_url=f"{client.url}/api.xro/2.0")
    tenant = client.tenants[0]
    data = client.sandbox.state.organisations[tenant].data
    as_at = MONTH_ENDS[0]
    tb = api.get_report_trial_balance(tenant, date=as_at)
    assert tb.reports[0].rows[0].row_type.value == "Header"
    pl = api.get_report_profit_and_loss(tenant, from_date=as_at.replace(day=1), to_date=as_at,
                                        periods=2, timeframe="MONTH")
    assert len(pl.reports[0].rows[0].cells) == 4
    bs = api.get_report_balance_sheet(tenant, date=as_at, periods=2, timeframe="MONTH")
    assert [c.value for c in bs.reports[0].rows[0].cells][1] == f"{as_at.day} {as_at:%b %Y}"
    ar = api.get_report_aged_receivables_by_contact(tenant, receivable_contact(data),
                                                    date=as_at)
    assert ar.reports[0].report_titles[0] == "Invoices"
    ap = api.get_report_aged_payables_by_contact(tenant, receivable_contact(data, "ACCPAY"))
    assert ap.reports[0].report_type == "AgedPayablesByContact"
    sdk.rest_client.pool_manager.clear()


def test_refusals_name_what_is_wrong(client: SandboxClient, token: str) -> None:
    missing = client.api("/api.xro/2.0/Reports/AgedReceivablesByContact", token)
    assert missing.status_code == 400 and "contactId" in missing.json()["Message"]
    bad = client.api("/api.xro/2.0/Reports/TrialBalance", token, params={"date": "30/06/2025"})
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.json()["Message"]
    assert client.api("/api.xro/2.0/Reports/NoSuchReport", token).status_code == 404
    without = client.authorize("openid offline_access accounting.settings.read")
    refused = client.api("/api.xro/2.0/Reports/TrialBalance", without["access_token"])
    assert refused.status_code == 401


# -- figures that add up ---------------------------------------------------------------------


def test_trial_balance_and_balance_sheet_balance_at_every_month_end(sandbox: Sandbox) -> None:
    for data in organisations(sandbox):
        for as_at in MONTH_ENDS:
            tb = figures.trial_balance(build(data, "TrialBalance", date=as_at.isoformat()))
            assert tb.totals[0] == tb.totals[1] and tb.totals[2] == tb.totals[3], as_at
            bs = figures.statement(build(data, "BalanceSheet", date=as_at.isoformat()))
            assets, liabilities = bs.lines["Total Assets"], bs.lines["Total Liabilities"]
            net = [a - li for a, li in zip(assets, liabilities, strict=True)]
            assert bs.lines["Net Assets"] == net == bs.lines["Total Equity"], as_at


def test_a_years_profit_becomes_retained_earnings(sandbox: Sandbox) -> None:
    for data in organisations(sandbox):
        ledger = Ledger.of(data)
        year_end = ledger.fy_start(TODAY) - timedelta(days=1)
        start = ledger.fy_start(year_end)
        pl = figures.statement(build(data, "ProfitAndLoss", fromDate=start.isoformat(),
                                     toDate=year_end.isoformat()))
        before = figures.statement(build(data, "BalanceSheet", date=year_end.isoformat()))
        after = figures.statement(build(data, "BalanceSheet",
                                        date=(year_end + timedelta(days=1)).isoformat()))
        assert pl.lines["Net Profit"][0] == before.accounts[figures.ZERO_ID][0] != 0
        retained = ledger.retained_earnings
        assert retained is not None
        rolled = before.accounts[retained.account_id][0] + before.accounts[figures.ZERO_ID][0]
        new_year = ledger.profit(year_end + timedelta(days=1), month_end(year_end +
                                                                          timedelta(days=1)))
        assert after.accounts[retained.account_id][0] == rolled
        assert after.accounts[figures.ZERO_ID][0] == new_year


def test_periods_repeat_the_span_earlier(sandbox: Sandbox) -> None:
    data = organisations(sandbox)[0]
    first = MONTH_ENDS[1]
    several = figures.statement(build(data, "ProfitAndLoss", fromDate=first.replace(
        day=1).isoformat(), toDate=first.isoformat(), periods="3", timeframe="MONTH"))
    for k in range(4):
        start = add_months(first.replace(day=1), -k)
        single = figures.statement(build(data, "ProfitAndLoss", fromDate=start.isoformat(),
                                         toDate=(start + (first - first.replace(day=1))
                                                 ).isoformat()))
        assert several.lines["Net Profit"][k] == single.lines["Net Profit"][0]


def test_cash_basis_keeps_only_payment_journals(sandbox: Sandbox) -> None:
    data = organisations(sandbox)[0]
    cash = figures.trial_balance(build(data, "TrialBalance", date=TODAY.isoformat(),
                                       paymentsOnly="true"))
    accrual = figures.trial_balance(build(data, "TrialBalance", date=TODAY.isoformat()))
    assert cash.totals[2] == cash.totals[3] and cash.ytd != accrual.ytd
    sales = next(a["AccountID"] for a in data["Accounts"].values() if a.get("Code") == "200")
    assert sales not in cash.ytd  # sales invoices post on the accrual basis only


# -- the ledger agrees with the documents ----------------------------------------------------


def test_every_journal_balances_and_every_approved_document_posted(sandbox: Sandbox) -> None:
    for data in organisations(sandbox):
        sources: dict[str, list[dict[str, Any]]] = {}
        for journal in data["Journals"].values():
            assert sum(cents_of(line["NetAmount"]) for line in journal["JournalLines"]) == 0
            sources.setdefault(str(journal.get("SourceID", "")).lower(), []).append(journal)
        for key, id_field in (("Invoices", "InvoiceID"), ("CreditNotes", "CreditNoteID"),
                              ("BankTransactions", "BankTransactionID"),
                              ("ManualJournals", "ManualJournalID")):
            for record in data[key].values():
                if "-" in str(record.get("Type", "")):
                    continue  # transfer / prepayment legs post under the transfer or payment
                posted = sources.get(str(record[id_field]).lower(), [])
                net = _net_by_account(posted)
                if record["Status"] in ("DRAFT", "SUBMITTED"):
                    assert not posted, (key, record[id_field])
                elif record["Status"] in ("VOIDED", "DELETED"):
                    assert not any(net.values()), (key, record[id_field], "not reversed")
                elif record["Status"] in ("AUTHORISED", "PAID", "POSTED"):
                    assert any(net.values()), (key, record[id_field], record["Status"])


def _net_by_account(journals: list[dict[str, Any]]) -> dict[str, int]:
    net: dict[str, int] = {}
    for journal in journals:
        for line in journal["JournalLines"]:
            net[line["AccountID"]] = net.get(line["AccountID"], 0) + cents_of(line["NetAmount"])
    return net


def test_control_accounts_follow_each_invoice_and_its_payments(sandbox: Sandbox) -> None:
    for data in organisations(sandbox):
        ledger = Ledger.of(data)
        control = {a.system: a.account_id for a in ledger.accounts.values() if a.system}
        by_source: dict[str, int] = {}
        for journal in data["Journals"].values():
            for line in journal["JournalLines"]:
                if line["AccountID"] in (control["DEBTORS"], control["CREDITORS"]):
                    source = str(journal.get("SourceID", "")).lower()
                    by_source[source] = by_source.get(source, 0) + cents_of(line["NetAmount"])
        checked = 0
        for invoice in data["Invoices"].values():
            if invoice["Status"] not in ("AUTHORISED", "PAID", "VOIDED") or invoice.get(
                    "CurrencyRate", 1.0) != 1.0:
                continue
            sign = 1 if invoice["Type"] == "ACCREC" else -1
            posted = by_source.get(invoice["InvoiceID"].lower(), 0)
            posted += sum(by_source.get(p["PaymentID"].lower(), 0) for p in invoice["Payments"])
            expected = 0 if invoice["Status"] == "VOIDED" else (
                cents_of(invoice["Total"]) - cents_of(invoice["AmountPaid"]))
            assert sign * posted == expected, invoice["InvoiceID"]
            checked += 1
        assert checked > 20


def test_aged_receivables_equal_the_invoices_amounts_due_today(sandbox: Sandbox) -> None:
    for data in organisations(sandbox):
        open_invoices = [i for i in data["Invoices"].values()
                         if i["Type"] == "ACCREC" and i["Status"] == "AUTHORISED"]
        contact = open_invoices[0]["Contact"]["ContactID"]
        aged = figures.aged(build(data, "AgedReceivablesByContact", contactId=contact,
                                  date="2099-12-31"))
        expected = {i["InvoiceID"].lower(): cents_of(i["AmountDue"]) for i in open_invoices
                    if i["Contact"]["ContactID"] == contact and cents_of(i["AmountDue"])}
        assert {k: v[3] for k, v in aged.invoices.items()} == expected
        assert aged.closing == sum(expected.values())


# -- changes: a void, a back-dated invoice, a payment in another currency --------------------


def test_activity_changes_the_reports_as_xero_would(client: SandboxClient) -> None:
    tenant = client.tenants[0]
    data = client.sandbox.state.organisations[tenant].data
    before = copy.deepcopy(data)
    now = from_ms(client.sandbox.state.clock.now_ms()).date()
    report = client.admin("POST", "activity", json={"intensity": 10, "tenant": tenant})[tenant]
    invoices = data["Invoices"]
    back_dated = [invoices[i] for i in report["created"]["Invoices"]
                  if (day_of(invoices[i]["Date"]) or now) < now.replace(day=1)]
    assert back_dated and back_dated[0]["Status"] == "AUTHORISED"
    month = month_end(day_of(back_dated[0]["Date"]) or now)
    changed = figures.trial_balance(build(data, "TrialBalance", date=month.isoformat()))
    earlier = figures.trial_balance(build(before, "TrialBalance", date=month.isoformat()))
    assert changed.month != earlier.month

    voided = [invoices[i] for i in report["updated"]["Invoices"]
              if invoices[i]["Status"] == "VOIDED"]
    assert voided
    invoice = voided[0]
    aged_name = ("AgedReceivablesByContact" if invoice["Type"] == "ACCREC"
                 else "AgedPayablesByContact")
    dated = (day_of(invoice["Date"]) or now).isoformat()
    was = figures.aged(build(before, aged_name, contactId=invoice["Contact"]["ContactID"],
                             date=dated))
    now_aged = figures.aged(build(data, aged_name, contactId=invoice["Contact"]["ContactID"],
                                  date=dated))
    assert invoice["InvoiceID"].lower() in was.invoices
    assert invoice["InvoiceID"].lower() not in now_aged.invoices

    gains = next(a["AccountID"] for a in data["Accounts"].values()
                 if a.get("SystemAccount") == "REALISEDCURRENCYGAIN")
    foreign = [data["Payments"][p] for p in report["created"]["Payments"]
               if data["Payments"][p]["CurrencyRate"] != 1.0]
    assert foreign
    journals = [j for j in data["Journals"].values()
                if j.get("SourceID") == foreign[0]["PaymentID"]]
    assert any(line["AccountID"] == gains for j in journals for line in j["JournalLines"])
    bs = figures.statement(build(data, "BalanceSheet", date=date.max.replace(
        year=2099).isoformat()))
    assert bs.lines["Net Assets"] == bs.lines["Total Equity"]
