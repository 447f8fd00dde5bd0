"""An organisation's general ledger, read from the journals it posted, and the accounting
rules its reports follow (reference/xero-reports.md section 3).

Why from the journals: every document the sandbox makes posts its journal through `Books`
(invoices, credit notes, payments and their deletion, bank transactions, transfers, manual
journals, voids as reversing journals dated like the original), so the journals *are* the
ledger, exactly what the Journals endpoint serves. Reports summed from them therefore agree
with what a client can sync, and a test that the journals agree with the documents proves the
reports agree with the documents too. Amounts are integer cents in base currency.

Cash basis (``paymentsOnly``) keeps the journals the Journals endpoint returns for
``paymentsOnly=true``: payments, cash bank transactions, prepayments, overpayments and
transfers. Unrealised currency gains and bank revaluations, which Xero computes when a report
runs and never journals, are not modelled: every figure here comes from a journal.
"""

from __future__ import annotations

import bisect
import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from xero_sandbox.msdate import from_ms, parse_ms
from xero_sandbox.store import PAYMENT_SOURCE_TYPES

Record = dict[str, Any]
PROFIT_AND_LOSS = frozenset({"REVENUE", "EXPENSE"})
_CLASS_OF_TYPE = {
    "BANK": "ASSET", "CURRENT": "ASSET", "FIXED": "ASSET", "INVENTORY": "ASSET",
    "NONCURRENT": "ASSET", "PREPAYMENT": "ASSET", "CURRLIAB": "LIABILITY",
    "LIABILITY": "LIABILITY", "TERMLIAB": "LIABILITY", "PAYG": "LIABILITY",
    "EQUITY": "EQUITY", "OTHERINCOME": "REVENUE", "REVENUE": "REVENUE", "SALES": "REVENUE",
}


def day_of(text: str | None) -> date | None:
    """The calendar day of a wire date (``/Date(ms+0000)/``), None when absent."""
    ms = parse_ms(text) if text else None
    return None if ms is None else from_ms(ms).date()


def cents_of(amount: float | int | str) -> int:
    """Integer cents of a 2-dp wire amount."""
    return round(float(amount) * 100)


def month_end(day: date) -> date:
    """The last day of ``day``'s month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (earlier when negative), clamped to the month's end."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


@dataclass(frozen=True)
class Account:
    """What a report needs of an account."""

    account_id: str
    code: str
    name: str
    type: str
    account_class: str
    system: str

    @property
    def label(self) -> str:
        """``Name (Code)``, as the trial balance writes an account."""
        return f"{self.name} ({self.code})" if self.code else self.name


@dataclass(frozen=True)
class Posting:
    """One journal line: its day, account and base-currency amount (debit positive)."""

    day: date
    account_id: str
    cents: int


class Ledger:
    """Postings in date order with the organisation's accounts and financial year."""

    def __init__(self, organisation: Record, accounts: Iterable[Record],
                 journals: Iterable[Record], payments_only: bool = False) -> None:
        self.organisation = organisation
        self.fy_end_month = int(organisation.get("FinancialYearEndMonth") or 12)
        self.fy_end_day = int(organisation.get("FinancialYearEndDay") or 31)
        self.accounts = {a["AccountID"]: _account(a) for a in accounts}
        postings = []
        for journal in journals:
            if payments_only and journal.get("SourceType") not in PAYMENT_SOURCE_TYPES:
                continue
            day = day_of(journal.get("JournalDate")) or date(1970, 1, 1)
            for line in journal.get("JournalLines", []):
                account_id = line["AccountID"]
                if account_id not in self.accounts:
                    self.accounts[account_id] = _account_of_line(line)
                postings.append(Posting(day, account_id, cents_of(line["NetAmount"])))
        postings.sort(key=lambda p: p.day)
        self.postings = postings
        self._days = [p.day for p in postings]

    @classmethod
    def of(cls, data: Mapping[str, Mapping[str, Record]], payments_only: bool = False) -> Ledger:
        """The ledger of a sandbox organisation's stored collections."""
        organisation = next(iter(data["Organisations"].values()))
        return cls(organisation, data["Accounts"].values(), data["Journals"].values(),
                   payments_only)

    @property
    def retained_earnings(self) -> Account | None:
        """The RETAINEDEARNINGS system account (identified by role, never by name)."""
        return next((a for a in self.accounts.values() if a.system == "RETAINEDEARNINGS"),
                    None)

    def fy_start(self, day: date) -> date:
        """First day of the financial year holding ``day``."""
        end = self._fy_end(day.year)
        if end >= day:
            end = self._fy_end(day.year - 1)
        return end + timedelta(days=1)

    def _fy_end(self, year: int) -> date:
        last = calendar.monthrange(year, self.fy_end_month)[1]
        return date(year, self.fy_end_month, min(self.fy_end_day, last))

    def movements(self, start: date | None, end: date) -> dict[str, int]:
        """Sum of postings per account with ``start <= day <= end`` (all before when None)."""
        lo = 0 if start is None else bisect.bisect_left(self._days, start)
        hi = bisect.bisect_right(self._days, end)
        sums: dict[str, int] = {}
        for posting in self.postings[lo:hi]:
            sums[posting.account_id] = sums.get(posting.account_id, 0) + posting.cents
        return sums

    def profit(self, start: date | None, end: date) -> int:
        """Net profit (credit positive) of the P&L accounts over the range."""
        return -sum(cents for account_id, cents in self.movements(start, end).items()
                    if self.accounts[account_id].account_class in PROFIT_AND_LOSS)

    def equity_split(self, day: date) -> tuple[int, int]:
        """(current year earnings, retained earnings) as at ``day``, credit positive.

        Retained earnings are the RETAINEDEARNINGS account's own balance plus every profit of
        earlier financial years; the current year's profit is shown apart until the year ends.
        """
        start = self.fy_start(day)
        current = self.profit(start, day)
        earlier = self.profit(None, start - timedelta(days=1))
        account = self.retained_earnings
        own = -self.movements(None, day).get(account.account_id, 0) if account else 0
        return current, own + earlier


def _account(record: Record) -> Account:
    account_type = str(record.get("Type", ""))
    return Account(record["AccountID"], str(record.get("Code", "")), str(record.get("Name", "")),
                   account_type,
                   str(record.get("Class") or _CLASS_OF_TYPE.get(account_type, "EXPENSE")),
                   str(record.get("SystemAccount", "")))


def _account_of_line(line: Record) -> Account:
    """An account known only from a journal line (deleted from the chart since)."""
    account_type = str(line.get("AccountType", ""))
    return Account(line["AccountID"], str(line.get("AccountCode", "")),
                   str(line.get("AccountName", "")), account_type,
                   _CLASS_OF_TYPE.get(account_type, "EXPENSE"), "")
