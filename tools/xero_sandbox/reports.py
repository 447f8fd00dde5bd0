"""Xero's Reports API (``/api.xro/2.0/Reports/<Name>``) computed from the sandbox's ledger.

Shapes follow Xero's OpenAPI ``ReportWithRows`` and its examples (reference/xero-reports.md
section 2): ``Reports[0]`` with ``ReportID``, ``ReportName``, ``ReportType``, ``ReportTitles``,
``ReportDate``, ``UpdatedDateUTC``, ``Fields`` and ``Rows`` of ``Header`` / ``Section`` (with
``Row`` / ``SummaryRow`` inside) whose ``Cells`` hold a string ``Value`` and ``Attributes``.
Money is a string with two decimals and a leading minus. Where Xero's documents leave a detail
open the choice is stated here and in docs/reporting.md:

- the balance sheet is as at the end of the month of ``date`` (Xero's documented rule);
- aged receivables / payables list the contact's approved invoices (not credit notes) with
  something due at ``date``, in the invoice's own currency, paid and credited as at ``date``;
- no unrealised currency gains or bank revaluations (ledger.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from xero_sandbox.ledger import (
    PROFIT_AND_LOSS,
    Account,
    Ledger,
    add_months,
    cents_of,
    day_of,
    month_end,
)

Record = dict[str, Any]
Data = Mapping[str, Mapping[str, Record]]
ZERO_ID = "00000000-0000-0000-0000-000000000000"
REPORT_NAMES = ("TrialBalance", "ProfitAndLoss", "BalanceSheet", "AgedReceivablesByContact",
                "AgedPayablesByContact")
TIMEFRAME_MONTHS = {"MONTH": 1, "QUARTER": 3, "YEAR": 12}
_TB_SECTIONS = (("Revenue", "REVENUE"), ("Expenses", "EXPENSE"), ("Assets", "ASSET"),
                ("Liabilities", "LIABILITY"), ("Equity", "EQUITY"))
# P&L sections by account type; an unlisted type goes by its class (REVENUE: Income,
# EXPENSE: Less Operating Expenses).
_PL_SECTION_OF_TYPE = {"REVENUE": "Income", "SALES": "Income", "DIRECTCOSTS": "Less Cost of Sales",
                       "OTHERINCOME": "Plus Other Income"}
_PL_SECTIONS = (("Income", "Total Income"), ("Less Cost of Sales", "Total Cost of Sales"),
                ("Plus Other Income", "Total Other Income"),
                ("Less Operating Expenses", "Total Operating Expenses"))
_BS_SECTION_OF_TYPE = {
    "BANK": "Bank", "CURRENT": "Current Assets", "INVENTORY": "Current Assets",
    "PREPAYMENT": "Current Assets", "FIXED": "Fixed Assets", "NONCURRENT": "Non-current Assets",
    "CURRLIAB": "Current Liabilities", "LIABILITY": "Non-current Liabilities",
    "TERMLIAB": "Non-current Liabilities", "PAYG": "Current Liabilities",
}
_BS_ASSETS = ("Bank", "Current Assets", "Fixed Assets", "Non-current Assets")
_BS_LIABILITIES = ("Current Liabilities", "Non-current Liabilities")


class ReportError(ValueError):
    """A request Xero would refuse with a 400 ValidationException; the message says why."""


# -- cells and rows --------------------------------------------------------------------------


def amount(cents: int) -> str:
    """Xero's money cell: two decimals, no separators, a leading minus."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def long_date(day: date) -> str:
    """``24 April 2019``: titles and ReportDate."""
    return f"{day.day} {day:%B %Y}"


def us_date(day: date) -> str:
    """``4/1/2019``: the fromDate / toDate attributes, US form whatever the country."""
    return f"{day.month}/{day.day}/{day.year}"


def cell(value: str, **attributes: str) -> Record:
    """One cell; attributes as Xero writes them (``{"Value": ..., "Id": ...}``)."""
    result: Record = {"Value": value}
    if attributes:
        result["Attributes"] = [{"Value": v, "Id": k} for k, v in attributes.items()]
    return result


def row(kind: str, values: list[str], **attributes: str) -> Record:
    """A ``Row`` or ``SummaryRow``; attributes go on every cell."""
    return {"RowType": kind, "Cells": [cell(v, **attributes) for v in values]}


def section(title: str, rows: list[Record]) -> Record:
    return {"RowType": "Section", "Title": title, "Rows": rows}


def header(values: list[str]) -> Record:
    return {"RowType": "Header", "Cells": [cell(v) for v in values]}


@dataclass
class Context:
    """What every report needs: the organisation's data, today, and the envelope's stamp."""

    data: Data
    today: date
    now_ms: int

    @property
    def organisation(self) -> Record:
        return next(iter(self.data["Organisations"].values()))

    def report(self, report_id: str, name: str, titles: list[str], rows: list[Record]) -> Record:
        return {"ReportID": report_id, "ReportName": name, "ReportType": report_id,
                "ReportTitles": titles, "ReportDate": long_date(self.today),
                "UpdatedDateUTC": f"/Date({self.now_ms})/", "Fields": [], "Rows": rows}


# -- trial balance ---------------------------------------------------------------------------


def trial_balance(context: Context, params: Mapping[str, str]) -> Record:
    """Month (to ``date``) and year-to-date balances of every account with either."""
    as_at = _date_param(params, "date") or context.today
    ledger = Ledger.of(context.data, payments_only=_flag(params, "paymentsOnly"))
    month = ledger.movements(as_at.replace(day=1), as_at)
    fy_start = ledger.fy_start(as_at)
    year = ledger.movements(fy_start, as_at)
    to_date = ledger.movements(None, as_at)
    retained = ledger.retained_earnings
    earlier_profit = ledger.profit(None, fy_start - timedelta(days=1))
    rows: dict[str, list[Record]] = {cls: [] for _, cls in _TB_SECTIONS}
    totals = [0, 0, 0, 0]
    for account in sorted(ledger.accounts.values(), key=lambda a: (a.name.lower(), a.code)):
        in_month = month.get(account.account_id, 0)
        if account.account_class in PROFIT_AND_LOSS:
            ytd = year.get(account.account_id, 0)
        else:
            ytd = to_date.get(account.account_id, 0)
        extra: dict[str, str] = {}
        if retained is not None and account.account_id == retained.account_id:
            ytd -= earlier_profit
            extra = {"fromDate": "", "toDate": us_date(fy_start - timedelta(days=1))}
        if not in_month and not ytd:
            continue
        values = _sides(in_month, ytd)
        for index, value in enumerate(values):
            totals[index] += cents_of(value) if value else 0
        rows[account.account_class].append(_tb_row(account, values, extra))
    sections = [section(title, rows[cls]) for title, cls in _TB_SECTIONS]
    total = section("", [row("SummaryRow", ["Total", *(amount(t) for t in totals)])])
    titles = ["Trial Balance", context.organisation["Name"], f"As at {long_date(as_at)}"]
    head = header(["Account", "Debit", "Credit", "YTD Debit", "YTD Credit"])
    return context.report("TrialBalance", "Trial Balance", titles, [head, *sections, total])


def _sides(in_month: int, ytd: int) -> list[str]:
    """Debit / Credit / YTD Debit / YTD Credit cells: a zero goes on the other figure's side."""
    month_debit = in_month > 0 or (in_month == 0 and ytd >= 0)
    ytd_debit = ytd > 0 or (ytd == 0 and in_month >= 0)
    month_cells = [amount(in_month), ""] if month_debit else ["", amount(-in_month)]
    ytd_cells = [amount(ytd), ""] if ytd_debit else ["", amount(-ytd)]
    return month_cells + ytd_cells


def _tb_row(account: Account, values: list[str], extra: dict[str, str]) -> Record:
    cells = [cell(account.label, account=account.account_id)]
    cells += [cell(v, account=account.account_id, **extra) for v in values]
    return {"RowType": "Row", "Cells": cells}


# -- profit and loss -------------------------------------------------------------------------


def profit_and_loss(context: Context, params: Mapping[str, str]) -> Record:
    """Income and expenses per account for ``fromDate``..``toDate`` and earlier periods.

    Each earlier period has the same span as the first, ``timeframe`` months before it.
    """
    start = _date_param(params, "fromDate") or context.today.replace(day=1)
    end = _date_param(params, "toDate") or month_end(context.today)
    if end < start:
        raise ReportError("toDate must not be before fromDate")
    step = _timeframe(params)
    span = end - start
    columns = []
    for k in range(_periods(params) + 1):
        first = add_months(start, -k * step)
        columns.append((first, first + span))
    ledger = Ledger.of(context.data, payments_only=_flag(params, "paymentsOnly"))
    sums = [ledger.movements(first, last) for first, last in columns]
    grouped: dict[str, list[tuple[Account, list[int]]]] = {title: [] for title, _ in _PL_SECTIONS}
    for account in sorted(ledger.accounts.values(), key=lambda a: (a.name.lower(), a.code)):
        if account.account_class not in PROFIT_AND_LOSS:
            continue
        sign = -1 if account.account_class == "REVENUE" else 1
        values = [sign * s.get(account.account_id, 0) for s in sums]
        if any(values):
            grouped[_pl_section(account)].append((account, values))
    section_totals = {title: [sum(v[i] for _, v in grouped[title]) for i in range(len(columns))]
                      for title, _ in _PL_SECTIONS}
    rows = [header(["", *(_short(last) for _, last in columns)])]
    for title, total_title in _PL_SECTIONS:
        if grouped[title]:
            lines = [row("Row", [a.name, *(amount(v) for v in values)], account=a.account_id)
                     for a, values in grouped[title]]
            lines.append(row("SummaryRow", [total_title, *map(amount, section_totals[title])]))
            rows.append(section(title, lines))
        if title == "Less Cost of Sales":
            gross = [i - c for i, c in zip(section_totals["Income"], section_totals[title],
                                           strict=True)]
            rows.append(section("", [row("Row", ["Gross Profit", *map(amount, gross)])]))
    net = [sum(sign * section_totals[title][i] for title, sign in
               (("Income", 1), ("Less Cost of Sales", -1), ("Plus Other Income", 1),
                ("Less Operating Expenses", -1))) for i in range(len(columns))]
    rows.append(section("", [row("Row", ["Net Profit", *map(amount, net)])]))
    titles = ["Profit & Loss", context.organisation["Name"],
              f"{long_date(start)} to {long_date(end)}"]
    return context.report("ProfitAndLoss", "Profit and Loss", titles, rows)


def _pl_section(account: Account) -> str:
    if account.type in _PL_SECTION_OF_TYPE:
        return _PL_SECTION_OF_TYPE[account.type]
    return "Income" if account.account_class == "REVENUE" else "Less Operating Expenses"


def _short(day: date) -> str:
    """``28 Feb 18``: a P&L column."""
    return f"{day.day} {day:%b %y}"


# -- balance sheet ---------------------------------------------------------------------------


def balance_sheet(context: Context, params: Mapping[str, str]) -> Record:
    """Assets, liabilities and equity at the end of ``date``'s month and earlier month ends.

    Without ``periods`` the second column is the same month a year before, as Xero does.
    """
    first = month_end(_date_param(params, "date") or context.today)
    if params.get("periods"):
        step, count = _timeframe(params), _periods(params)
    else:
        step, count = 12, 1
    dates = [month_end(add_months(first.replace(day=1), -k * step)) for k in range(count + 1)]
    ledger = Ledger.of(context.data, payments_only=_flag(params, "paymentsOnly"))
    balances = [ledger.movements(None, d) for d in dates]
    equity = [ledger.equity_split(d) for d in dates]
    retained = ledger.retained_earnings
    grouped: dict[str, list[tuple[Account, list[int]]]] = {}
    for account in sorted(ledger.accounts.values(), key=lambda a: (a.name.lower(), a.code)):
        if account.account_class in PROFIT_AND_LOSS:
            continue
        if retained is not None and account.account_id == retained.account_id:
            continue
        sign = 1 if account.account_class == "ASSET" else -1
        values = [sign * b.get(account.account_id, 0) for b in balances]
        if any(values):
            title = ("Equity" if account.account_class == "EQUITY"
                     else _BS_SECTION_OF_TYPE.get(account.type, _default_bs(account)))
            grouped.setdefault(title, []).append((account, values))
    rows = [header(["", *(_medium(d) for d in dates)])]
    assets = _bs_group(rows, "Assets", _BS_ASSETS, grouped, "Total Assets", len(dates))
    liabilities = _bs_group(rows, "Liabilities", _BS_LIABILITIES, grouped,
                            "Total Liabilities", len(dates))
    net = [a - li for a, li in zip(assets, liabilities, strict=True)]
    rows.append(section("", [row("Row", ["Net Assets", *map(amount, net)])]))
    lines = [row("Row", [a.name, *map(amount, v)], account=a.account_id)
             for a, v in grouped.get("Equity", [])]
    fy_starts = [ledger.fy_start(d) for d in dates]
    lines.append({"RowType": "Row", "Cells": [cell("Current Year Earnings", account=ZERO_ID)] + [
        cell(amount(cye), account=ZERO_ID, fromDate=us_date(start), toDate=us_date(d))
        for (cye, _), start, d in zip(equity, fy_starts, dates, strict=True)]})
    if retained is not None:
        lines.append({"RowType": "Row", "Cells": [
            cell(retained.name, account=retained.account_id)] + [
            cell(amount(re), account=retained.account_id, fromDate="", toDate=us_date(d))
            for (_, re), d in zip(equity, dates, strict=True)]})
    lines.sort(key=lambda line: str(line["Cells"][0]["Value"]).lower())  # Xero: by name
    totals = [sum(v[i] for _, v in grouped.get("Equity", [])) + equity[i][0] + equity[i][1]
              for i in range(len(dates))]
    lines.append(row("SummaryRow", ["Total Equity", *map(amount, totals)]))
    rows.append(section("Equity", lines))
    titles = ["Balance Sheet", context.organisation["Name"], f"As at {long_date(first)}"]
    return context.report("BalanceSheet", "Balance Sheet", titles, rows)


def _default_bs(account: Account) -> str:
    return "Current Assets" if account.account_class == "ASSET" else "Current Liabilities"


def _bs_group(rows: list[Record], heading: str, titles: tuple[str, ...],
              grouped: dict[str, list[tuple[Account, list[int]]]], total_title: str,
              width: int) -> list[int]:
    """A heading, its non-empty sections with their totals, and the group's total."""
    rows.append(section(heading, []))
    total = [0] * width
    for title in titles:
        if not grouped.get(title):
            continue
        lines = [row("Row", [a.name, *map(amount, v)], account=a.account_id)
                 for a, v in grouped[title]]
        sums = [sum(v[i] for _, v in grouped[title]) for i in range(width)]
        total = [t + s for t, s in zip(total, sums, strict=True)]
        lines.append(row("SummaryRow", [f"Total {title}", *map(amount, sums)]))
        rows.append(section(title, lines))
    rows.append(section("", [row("SummaryRow", [total_title, *map(amount, total)])]))
    return total


def _medium(day: date) -> str:
    """``30 Apr 2019``: a balance sheet column."""
    return f"{day.day} {day:%b %Y}"


# -- aged receivables and payables -----------------------------------------------------------


@dataclass(frozen=True)
class Outstanding:
    """One invoice as at a date, in its own currency (cents)."""

    invoice: Record
    day: date
    due_date: date
    total: int
    paid: int
    credited: int

    @property
    def due(self) -> int:
        return self.total - self.paid - self.credited


def outstanding_invoices(data: Data, invoice_type: str, as_at: date,
                         contact_id: str | None = None) -> list[Outstanding]:
    """Approved invoices of a type dated by ``as_at``, with payments and credits to then.

    Credits are the allocations of credit notes, prepayments and overpayments, by allocation
    date; payments those on the invoice (a deleted payment leaves it). Voided and deleted
    invoices are left out: their reversing journal is dated like the invoice.
    """
    credits: dict[str, list[tuple[date, int]]] = {}
    for key in ("CreditNotes", "Prepayments", "Overpayments"):
        for credit in data.get(key, {}).values():
            if credit.get("Status") in ("VOIDED", "DELETED"):
                continue
            for allocation in credit.get("Allocations", []):
                invoice_id = allocation.get("Invoice", {}).get("InvoiceID")
                day = day_of(allocation.get("Date"))
                if invoice_id and day is not None:
                    credits.setdefault(invoice_id, []).append(
                        (day, cents_of(allocation["Amount"])))
    result = []
    for invoice in data["Invoices"].values():
        if invoice.get("Type") != invoice_type or invoice.get("Status") not in ("AUTHORISED",
                                                                               "PAID"):
            continue
        if contact_id and invoice["Contact"]["ContactID"].lower() != contact_id.lower():
            continue
        day = day_of(invoice.get("Date"))
        if day is None or day > as_at:
            continue
        paid = sum(cents_of(p["Amount"]) for p in invoice.get("Payments", [])
                   if (day_of(p.get("Date")) or as_at) <= as_at)
        credited = sum(c for d, c in credits.get(invoice["InvoiceID"], []) if d <= as_at)
        due_date = day_of(invoice.get("DueDate")) or day
        result.append(Outstanding(invoice, day, due_date, cents_of(invoice["Total"]), paid,
                                  credited))
    return result


def aged(context: Context, params: Mapping[str, str], invoice_type: str) -> Record:
    """One contact's invoices with something due at ``date``, and the opening balance of
    those dated before ``fromDate``."""
    contact_id = (params.get("contactId") or params.get("contactID") or "").strip()
    contact = context.data["Contacts"].get(contact_id) or context.data["Contacts"].get(
        contact_id.lower())
    if not contact_id:
        raise ReportError("contactId is required: the aged reports are per contact")
    if contact is None:
        raise ReportError(f"contactId {contact_id} is not a contact of this organisation")
    as_at = _date_param(params, "date") or month_end(context.today)
    invoices = [o for o in outstanding_invoices(context.data, invoice_type, as_at,
                                                contact["ContactID"]) if o.due]
    invoices.sort(key=lambda o: (o.day, str(o.invoice.get("InvoiceNumber", ""))))
    start = _date_param(params, "fromDate") or min((o.day for o in invoices), default=as_at)
    end = min(_date_param(params, "toDate") or as_at, as_at)
    opening = sum(o.due for o in invoices if o.day < start)
    listed = [o for o in invoices if start <= o.day <= end]
    receivable = invoice_type == "ACCREC"
    head = header(["Date", "Number" if receivable else "Reference", "Due Date", "", "Total",
                   "Paid", "Credited", "Due"])
    opening_row = row("Row", [_iso(start), "Opening Balance", "", "", "", "", "",
                              amount(opening)])
    lines = [_aged_row(o, as_at, receivable) for o in listed]
    sums = [sum(getattr(o, name) for o in listed) for name in ("total", "paid", "credited",
                                                                 "due")]
    lines.append(row("SummaryRow", ["Total", "", "", "", *map(amount, sums)]))
    closing = [*sums[:3], opening + sums[3]]
    rows = [head, section("", [opening_row]), section("", lines),
            section("", [row("SummaryRow", ["Closing Balance", "", "", "",
                                            *map(amount, closing)])])]
    titles = ["Invoices", contact["Name"], f"From {long_date(start)} to {long_date(end)}",
              f"Showing payments to {long_date(as_at)}"]
    report_id = "AgedReceivablesByContact" if receivable else "AgedPayablesByContact"
    name = "Aged Receivables By Contact" if receivable else "Aged Payables By Contact"
    return context.report(report_id, name, titles, rows)


def _aged_row(item: Outstanding, as_at: date, receivable: bool) -> Record:
    invoice = item.invoice
    number = invoice.get("InvoiceNumber") if receivable else (
        invoice.get("Reference") or invoice.get("InvoiceNumber"))
    overdue = (as_at - item.due_date).days
    values = [_iso(item.day), str(number or ""), _iso(item.due_date),
              f"{overdue} days overdue" if overdue > 0 else "",
              amount(item.total), amount(item.paid), amount(item.credited), amount(item.due)]
    return row("Row", values, invoiceID=invoice["InvoiceID"])


def _iso(day: date) -> str:
    return f"{day.isoformat()}T00:00:00"


# -- parameters and dispatch -----------------------------------------------------------------


def _date_param(params: Mapping[str, str], name: str) -> date | None:
    value = params.get(name)
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError as error:
        raise ReportError(f"{name} {value!r} is not a date: give YYYY-MM-DD") from error


def _flag(params: Mapping[str, str], name: str) -> bool:
    return (params.get(name) or "").lower() == "true"


def _periods(params: Mapping[str, str]) -> int:
    value = params.get("periods") or "0"
    try:
        periods = int(value)
    except ValueError as error:
        raise ReportError(f"periods {value!r} is not a whole number") from error
    if not 0 <= periods <= 12:
        raise ReportError(f"periods {periods} must be between 1 and 12")
    return periods


def _timeframe(params: Mapping[str, str]) -> int:
    value = (params.get("timeframe") or "MONTH").upper()
    if value not in TIMEFRAME_MONTHS:
        raise ReportError(f"timeframe {value!r} must be MONTH, QUARTER or YEAR")
    return TIMEFRAME_MONTHS[value]


BUILDERS: dict[str, Callable[[Context, Mapping[str, str]], Record]] = {
    "trialbalance": trial_balance,
    "profitandloss": profit_and_loss,
    "balancesheet": balance_sheet,
    "agedreceivablesbycontact": lambda c, p: aged(c, p, "ACCREC"),
    "agedpayablesbycontact": lambda c, p: aged(c, p, "ACCPAY"),
}


def build(name: str, data: Data, params: Mapping[str, str], today: date,
          now_ms: int) -> Record | None:
    """The report ``name`` (matched case-insensitively), or None for an unknown report.

    Raises ``ReportError`` for parameters Xero would refuse.
    """
    builder = BUILDERS.get(name.lower())
    if builder is None:
        return None
    lowered = {key.lower(): value for key, value in params.items()}
    canonical = {key: lowered[key.lower()] for key in _PARAMS if key.lower() in lowered}
    return builder(Context(data, today, now_ms), canonical)


_PARAMS = ("date", "fromDate", "toDate", "periods", "timeframe", "paymentsOnly", "contactId",
           "contactID", "standardLayout")
