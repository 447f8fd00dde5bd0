"""The comparison behind "the reporting layer equals Xero": every account line and total of
the trial balance, P&L (by month too), balance sheet and aged receivables / payables, to the
cent, at each date asked; the result is the list of differences (empty when equal).

``fetch(name, params)`` answers a Reports API request (over HTTP from the sandbox, or from
Xero itself); ``run(report, *dates)`` runs one report of the layer for the organisation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from tests.reporting import figures

Fetch = Callable[[str, dict[str, str]], dict[str, Any]]
Run = Callable[..., list[dict[str, Any]]]
ZERO_ID = figures.ZERO_ID


def cents(value: Any) -> int:
    """Cents of a warehouse amount (Decimal, float from SQLite, or None)."""
    if value is None:
        return 0
    return int((Decimal(str(value)) * 100).quantize(Decimal(1)))


def key(value: Any) -> str:
    return str(value).lower()


def _diff(what: str, expected: Mapping[str, int], got: Mapping[str, int]) -> list[str]:
    """Lines that differ, zeros counted as absent on both sides."""
    keys = {k for k, v in expected.items() if v} | {k for k, v in got.items() if v}
    return [f"{what} {k}: Xero {expected.get(k, 0) / 100:.2f}, layer {got.get(k, 0) / 100:.2f}"
            for k in sorted(keys) if expected.get(k, 0) != got.get(k, 0)]


def trial_balance(fetch: Fetch, run: Run, as_at: date) -> list[str]:
    xero = figures.trial_balance(figures.check_shape(fetch("TrialBalance",
                                                           {"date": as_at.isoformat()})))
    rows = run("trial_balance", as_at)
    month = {key(r["account_id"]): cents(r["month_net"]) for r in rows}
    ytd = {key(r["account_id"]): cents(r["ytd_net"]) for r in rows}
    totals = [sum(cents(r[c]) for r in rows) for c in ("debit", "credit", "ytd_debit",
                                                        "ytd_credit")]
    differences = _diff(f"TB {as_at} month", xero.month, month)
    differences += _diff(f"TB {as_at} YTD", xero.ytd, ytd)
    if [totals[0] - totals[1], totals[2] - totals[3]] != [xero.totals[0] - xero.totals[1],
                                                          xero.totals[2] - xero.totals[3]]:
        differences.append(f"TB {as_at} totals: Xero {xero.totals}, layer {totals}")
    return differences


def profit_and_loss(fetch: Fetch, run: Run, start: date, end: date) -> list[str]:
    xero = figures.statement(figures.check_shape(fetch("ProfitAndLoss", {
        "fromDate": start.isoformat(), "toDate": end.isoformat()})))
    rows = run("profit_and_loss", start, end)
    got = {key(r["account_id"]): cents(r["amount"]) for r in rows}
    expected = {k: v[0] for k, v in xero.accounts.items()}
    differences = _diff(f"P&L {start}..{end}", expected, got)
    net = sum(cents(r["amount"]) * (1 if r["account_class"] == "REVENUE" else -1) for r in rows)
    if net != xero.lines["Net Profit"][0]:
        differences.append(f"P&L {start}..{end} net profit: Xero "
                           f"{xero.lines['Net Profit'][0]}, layer {net}")
    return differences


def profit_and_loss_by_month(fetch: Fetch, run: Run, months: list[tuple[date, date]]
                             ) -> list[str]:
    """The by-month report over the whole range equals Xero's P&L of each month."""
    rows = run("profit_and_loss_by_month", months[0][0], months[-1][1])
    differences = []
    for start, end in months:
        xero = figures.statement(figures.check_shape(fetch("ProfitAndLoss", {
            "fromDate": start.isoformat(), "toDate": end.isoformat()})))
        got = {key(r["account_id"]): cents(r["amount"]) for r in rows
               if str(r["month_start"])[:10] == start.isoformat()}
        differences += _diff(f"P&L by month {start}", {k: v[0] for k, v in
                                                        xero.accounts.items()}, got)
    return differences


def balance_sheet(fetch: Fetch, run: Run, as_at: date) -> list[str]:
    """``as_at`` is a month end: Xero's balance sheet is at the end of the date's month."""
    xero = figures.statement(figures.check_shape(fetch("BalanceSheet", {
        "date": as_at.isoformat(), "periods": "1", "timeframe": "MONTH"})))
    rows = run("balance_sheet", as_at)
    got = {key(r["account_id"]): cents(r["amount"]) for r in rows}
    differences = _diff(f"BS {as_at}", {k: v[0] for k, v in xero.accounts.items()}, got)
    assets = sum(cents(r["amount"]) for r in rows if r["account_class"] == "ASSET")
    liabilities = sum(cents(r["amount"]) for r in rows if r["account_class"] == "LIABILITY")
    if assets - liabilities != xero.lines["Net Assets"][0]:
        differences.append(f"BS {as_at} net assets: Xero {xero.lines['Net Assets'][0]}, "
                           f"layer {assets - liabilities}")
    return differences


def aged(fetch: Fetch, run: Run, as_at: date, contacts: Iterable[str]) -> list[str]:
    """Every invoice line (total, paid, credited, due) and each contact's closing balance."""
    differences = []
    for report, name in (("aged_receivables", "AgedReceivablesByContact"),
                         ("aged_payables", "AgedPayablesByContact")):
        rows = run(report, as_at)
        for contact in contacts:
            mine = [r for r in rows if key(r["contact_id"]) == key(contact)]
            xero = figures.aged(figures.check_shape(fetch(name, {
                "contactId": contact, "date": as_at.isoformat()})))
            got = {key(r["invoice_id"]): (cents(r["total"]), cents(r["paid"]),
                                          cents(r["credited"]), cents(r["due"])) for r in mine}
            if got != xero.invoices:
                differences.append(f"{name} {contact} {as_at}: Xero {xero.invoices}, "
                                   f"layer {got}")
            if sum(d for *_, d in got.values()) != xero.closing:
                differences.append(f"{name} {contact} {as_at} closing: Xero {xero.closing}")
    return differences


def everything(fetch: Fetch, run: Run, month_ends: list[date],
               contacts: Iterable[str]) -> list[str]:
    """Every report at every month end (P&L for its month), by month over the range, and
    the aged reports at the first and last dates."""
    contacts = list(contacts)
    differences: list[str] = []
    months = [(d.replace(day=1), d) for d in sorted(month_ends)]
    for as_at in month_ends:
        differences += trial_balance(fetch, run, as_at)
        differences += balance_sheet(fetch, run, as_at)
        differences += profit_and_loss(fetch, run, as_at.replace(day=1), as_at)
    differences += profit_and_loss_by_month(fetch, run, months)
    for as_at in (min(month_ends), max(month_ends)):
        differences += aged(fetch, run, as_at, contacts)
    return differences
