"""The reporting layer: a general ledger, dimensions and Xero's reports, defined once and
rendered for SQL Server, PostgreSQL and SQLite (docs/reporting.md).

Why in the warehouse: users report with Power BI, Excel or SSRS straight from SQL Server, and
accounting is easy to get subtly wrong (which lines make a P&L, signs, current-year earnings,
ageing by due date). The rules are those of reference/xero-reports.md section 3 and of the
sandbox's Reports API, and a test holds the two equal to the cent.

What is created, in the warehouse schema:

- views ``general_ledger`` (every journal line with its account, contact, tracking options,
  source document and the document's currency), ``dim_accounts`` (with the report sections
  of each account), ``dim_contacts``, ``dim_tracking_options``, and the table ``dim_dates``;
- reports for one organisation at a date or over a period: ``trial_balance(tenant, as_at)``,
  ``profit_and_loss(tenant, from, to)``, ``profit_and_loss_by_month(tenant, from, to)``,
  ``balance_sheet(tenant, as_at)``, ``aged_receivables(tenant, as_at)``,
  ``aged_payables(tenant, as_at)`` and ``aged_summary(tenant, as_at)``. On SQL Server they
  are inline table-valued functions (the optimiser expands them like views, with the tenant
  and dates pushed into the scans), on PostgreSQL SQL functions; SQLite has no functions, so
  there the same SELECT runs with parameters (:func:`run_report`).

Each report body is written once, with ``{tenant_id}``-style parameters and a few date
helpers (``Render``) that differ per dialect. ``ensure_layer`` runs right after
``ensure_tables`` in every sync task, in a transaction of its own: it creates the source
tables the layer reads if no DAG has yet (empty until synced), and (re)creates the objects
when their definition changed, found by a fingerprint kept in ``_reporting_objects``.

Rules worth knowing (the reasons are in docs/reporting.md): journals are summed by
``journal_date``, never deleted; Retained Earnings = the RETAINEDEARNINGS account plus every
profit before the financial year of the date; Current Year Earnings = profit from the
year's start; aged reports are in each invoice's currency, as at the date (payments and
credit allocations dated by then); unrealised currency gains are not in any journal and so
not in the layer.
"""

# ruff: noqa: S608 - this module writes SQL from identifiers and fixed text only; every value
# (organisation, dates) is a bound parameter.
from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from xero_sync.mapping import PROJECT_MAPPINGS, MappingError, ObjectMapping, usable_mappings
from xero_sync.warehouse.ddl import create_table
from xero_sync.warehouse.dialect import MSSQL, Dialect
from xero_sync.warehouse.tables import mapping_tables

if TYPE_CHECKING:
    from xero_sync.warehouse.sqlbase import SqlWarehouse

log = logging.getLogger(__name__)
ZERO_ID = "00000000-0000-0000-0000-000000000000"  # Current Year Earnings, as Xero marks it
VERSION_TABLE = "_reporting_objects"
LEDGER_DAILY = "ledger_daily"  # per organisation, account and day: the net of the journal lines
SOURCE_MAPPINGS = ("accounts", "organisation", "journals", "contacts", "tracking_categories",
                   "invoices", "credit_notes", "payments", "bank_transactions", "prepayments",
                   "overpayments")
DATE_RANGE = (date(1970, 1, 1), date(2050, 12, 31))
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")


# -- dialect helpers -------------------------------------------------------------------------


@dataclass(frozen=True)
class Render:
    """Table names, parameters and date arithmetic of one dialect."""

    sql: Dialect
    schema: str

    @property
    def name(self) -> str:
        return self.sql.name

    def t(self, name: str) -> str:
        """A table or view of the warehouse schema."""
        return self.sql.table(self.schema, name)

    def param(self, name: str) -> str:
        """A report parameter inside a body."""
        return {"mssql": f"@{name}", "postgres": f"p_{name}", "sqlite": f":{name}"}[self.name]

    def num(self, expr: str) -> str:
        """An exact number: SQLite stores money as text, so it is read as a number there."""
        return f"CAST({expr} AS REAL)" if self.name == "sqlite" else expr

    def money(self, expr: str) -> str:
        """A money result: SQLite sums in floating point, rounded to the cent here."""
        return f"ROUND({expr}, 2)" if self.name == "sqlite" else expr

    def guid(self, text: str) -> str:
        return {"mssql": f"CAST('{text}' AS UNIQUEIDENTIFIER)", "postgres": f"'{text}'::uuid",
                "sqlite": f"'{text}'"}[self.name]

    def once(self) -> str:
        """``MATERIALIZED`` where a CTE of constants must be computed once, not per row
        (SQLite inlines it otherwise; SQL Server folds runtime constants by itself)."""
        return "" if self.name == "mssql" else "MATERIALIZED "

    def true(self) -> str:
        return "true" if self.name == "postgres" else "1"

    def year(self, d: str) -> str:
        return {"mssql": f"YEAR({d})", "postgres": f"CAST(EXTRACT(YEAR FROM {d}) AS integer)",
                "sqlite": f"CAST(strftime('%Y', {d}) AS INTEGER)"}[self.name]

    def month(self, d: str) -> str:
        return {"mssql": f"MONTH({d})", "postgres": f"CAST(EXTRACT(MONTH FROM {d}) AS integer)",
                "sqlite": f"CAST(strftime('%m', {d}) AS INTEGER)"}[self.name]

    def make_date(self, y: str, m: str, d: str) -> str:
        return {"mssql": f"DATEFROMPARTS({y}, {m}, {d})", "postgres": f"make_date({y}, {m}, {d})",
                "sqlite": f"printf('%04d-%02d-%02d', {y}, {m}, {d})"}[self.name]

    def add_days(self, d: str, n: str) -> str:
        return {"mssql": f"DATEADD(day, {n}, {d})", "postgres": f"CAST({d} + {n} AS date)",
                "sqlite": f"date({d}, printf('%+d days', {n}))"}[self.name]

    def month_start(self, d: str) -> str:
        return {"mssql": f"DATEFROMPARTS(YEAR({d}), MONTH({d}), 1)",
                "postgres": f"CAST(date_trunc('month', {d}) AS date)",
                "sqlite": f"date({d}, 'start of month')"}[self.name]

    def month_end(self, d: str) -> str:
        return {"mssql": f"EOMONTH({d})",
                "postgres": f"CAST(date_trunc('month', {d}) + interval '1 month - 1 day' AS date)",
                "sqlite": f"date({d}, 'start of month', '+1 month', '-1 day')"}[self.name]

    def add_months(self, d: str, n: int) -> str:
        """``d`` moved ``n`` months, clamped to the month's end (31 Mar - 1 month = 28 Feb)."""
        if self.name == "mssql":
            return f"DATEADD(month, {n}, {d})"
        if self.name == "postgres":
            return f"CAST({d} + interval '{n} month' AS date)"
        return (f"MIN(date({d}, 'start of month', '{n:+d} months', printf('%+d days', "
                f"CAST(strftime('%d', {d}) AS INTEGER) - 1)), "
                f"date({d}, 'start of month', '{n + 1:+d} months', '-1 day'))")

    def days_between(self, earlier: str, later: str) -> str:
        return {"mssql": f"DATEDIFF(day, {earlier}, {later})",
                "postgres": f"({later} - {earlier})",
                "sqlite": f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"}[self.name]

    def fy_end_in(self, year: str) -> str:
        """The organisation's financial year end in ``year`` (o = the organisation row)."""
        first = self.make_date(year, "o.financial_year_end_month", "1")
        last_day = f"CAST({self._day(self.month_end(first))} AS INTEGER)"
        day = f"CASE WHEN o.financial_year_end_day < {last_day} " \
              f"THEN o.financial_year_end_day ELSE {last_day} END"
        return self.add_days(first, f"{day} - 1")

    def _day(self, d: str) -> str:
        return {"mssql": f"DAY({d})", "postgres": f"EXTRACT(DAY FROM {d})",
                "sqlite": f"strftime('%d', {d})"}[self.name]

    def fy_start(self, d: str) -> str:
        """First day of the financial year holding ``d``."""
        this_year = self.fy_end_in(self.year(d))
        last_year = self.fy_end_in(f"{self.year(d)} - 1")
        return self.add_days(f"CASE WHEN {this_year} >= {d} THEN {last_year} "
                             f"ELSE {this_year} END", "1")


# -- the objects -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFunction:
    """A parametrised report: its parameters, output columns (PostgreSQL's RETURNS TABLE)
    and body."""

    name: str
    params: tuple[tuple[str, str], ...]  # (name, type: guid | date)
    columns: tuple[tuple[str, str], ...]  # (name, type: guid | text | date | money | integer)
    body: Callable[[Render], str]


def _dim_accounts(r: Render) -> str:
    account_class = ("COALESCE(a.class, CASE WHEN a.type IN ('BANK', 'CURRENT', 'FIXED', "
                     "'INVENTORY', 'NONCURRENT', 'PREPAYMENT') THEN 'ASSET' "
                     "WHEN a.type IN ('CURRLIAB', 'LIABILITY', 'TERMLIAB', 'PAYG') "
                     "THEN 'LIABILITY' WHEN a.type = 'EQUITY' THEN 'EQUITY' "
                     "WHEN a.type IN ('REVENUE', 'SALES', 'OTHERINCOME') THEN 'REVENUE' "
                     "ELSE 'EXPENSE' END)")
    return f"""SELECT a.tenant_id, a.account_id, a.code AS account_code, a.name AS account_name,
    a.type AS account_type, {account_class} AS account_class, a.status, a.system_account,
    a.currency_code, a.reporting_code,
    CASE {account_class} WHEN 'REVENUE' THEN 'Revenue' WHEN 'EXPENSE' THEN 'Expenses'
        WHEN 'ASSET' THEN 'Assets' WHEN 'LIABILITY' THEN 'Liabilities' ELSE 'Equity' END
        AS trial_balance_section,
    CASE WHEN {account_class} = 'REVENUE' AND a.type = 'OTHERINCOME' THEN 'Plus Other Income'
        WHEN {account_class} = 'REVENUE' THEN 'Income'
        WHEN {account_class} = 'EXPENSE' AND a.type = 'DIRECTCOSTS' THEN 'Less Cost of Sales'
        WHEN {account_class} = 'EXPENSE' THEN 'Less Operating Expenses' END
        AS profit_and_loss_section,
    CASE WHEN a.type = 'BANK' THEN 'Bank'
        WHEN a.type IN ('CURRENT', 'INVENTORY', 'PREPAYMENT') THEN 'Current Assets'
        WHEN a.type = 'FIXED' THEN 'Fixed Assets' WHEN a.type = 'NONCURRENT'
        THEN 'Non-current Assets' WHEN a.type IN ('LIABILITY', 'TERMLIAB')
        THEN 'Non-current Liabilities' WHEN {account_class} = 'LIABILITY'
        THEN 'Current Liabilities' WHEN {account_class} = 'ASSET' THEN 'Current Assets'
        WHEN {account_class} = 'EQUITY' THEN 'Equity' END AS balance_sheet_section,
    CASE WHEN {account_class} IN ('REVENUE', 'EXPENSE') THEN 1 ELSE 0 END
        AS is_profit_and_loss
FROM {r.t("accounts")} AS a"""


def _dim_contacts(r: Render) -> str:
    return f"""SELECT c.tenant_id, c.contact_id, c.name AS contact_name, c.contact_number,
    c.account_number, c.contact_status, c.is_customer, c.is_supplier, c.default_currency,
    c.email_address, c.tax_number, c.is_deleted
FROM {r.t("contacts")} AS c"""


def _dim_tracking_options(r: Render) -> str:
    return f"""SELECT c.tenant_id, c.tracking_category_id, c.name AS tracking_category_name,
    c.status AS tracking_category_status, o.tracking_option_id,
    o.name AS tracking_option_name, o.status AS tracking_option_status
FROM {r.t("tracking_categories")} AS c
JOIN {r.t("tracking_category_options")} AS o
    ON o.tenant_id = c.tenant_id AND o.tracking_category_id = c.tracking_category_id"""


def _documents(r: Render) -> str:
    """Source id -> contact and currency of the document a journal came from."""
    parts = [
        f"SELECT tenant_id, invoice_id AS source_id, contact_id, contact_name, currency_code, "
        f"currency_rate FROM {r.t('invoices')}",
        f"SELECT tenant_id, credit_note_id, contact_id, contact_name, currency_code, "
        f"currency_rate FROM {r.t('credit_notes')}",
        f"SELECT tenant_id, bank_transaction_id, contact_id, contact_name, currency_code, "
        f"currency_rate FROM {r.t('bank_transactions')}",
        f"SELECT tenant_id, prepayment_id, contact_id, contact_name, currency_code, "
        f"currency_rate FROM {r.t('prepayments')}",
        f"SELECT tenant_id, overpayment_id, contact_id, contact_name, currency_code, "
        f"currency_rate FROM {r.t('overpayments')}",
        f"SELECT tenant_id, payment_id, COALESCE(invoice_contact_id, credit_note_contact_id), "
        f"NULL, COALESCE(invoice_currency_code, credit_note_currency_code), currency_rate "
        f"FROM {r.t('payments')}",
    ]
    return "\n    UNION ALL ".join(parts)


def _general_ledger(r: Render) -> str:
    tracking = []
    for position in (1, 2):
        tracking.append(
            f"(SELECT MIN(t.name) FROM {r.t('journal_line_tracking')} AS t "
            f"WHERE t.tenant_id = l.tenant_id AND t.journal_id = l.journal_id "
            f"AND t.journal_line_id = l.journal_line_id AND t._position = {position - 1})"
            f" AS tracking_category_{position},\n    "
            f"(SELECT MIN(t.option) FROM {r.t('journal_line_tracking')} AS t "
            f"WHERE t.tenant_id = l.tenant_id AND t.journal_id = l.journal_id "
            f"AND t.journal_line_id = l.journal_line_id AND t._position = {position - 1})"
            f" AS tracking_option_{position}")
    option_column = r.sql.quote("option")
    tracking_sql = ",\n    ".join(tracking).replace("t.option", f"t.{option_column}")
    net = r.num("l.net_amount")
    return f"""SELECT l.tenant_id, j.journal_id, j.journal_number, j.journal_date,
    j.created_date_utc, j.source_type, j.source_id, j.reference, l.journal_line_id,
    l.account_id, COALESCE(a.account_code, l.account_code) AS account_code,
    COALESCE(a.account_name, l.account_name) AS account_name,
    COALESCE(a.account_type, l.account_type) AS account_type, a.account_class,
    l.description, l.net_amount, l.tax_amount, l.gross_amount, l.tax_type,
    CASE WHEN {net} > 0 THEN l.net_amount ELSE 0 END AS debit,
    CASE WHEN {net} < 0 THEN -{net} ELSE 0 END AS credit,
    d.contact_id, COALESCE(d.contact_name, c.contact_name) AS contact_name,
    d.currency_code AS document_currency_code, d.currency_rate AS document_currency_rate,
    {tracking_sql}
FROM {r.t("journal_lines")} AS l
JOIN {r.t("journals")} AS j ON j.tenant_id = l.tenant_id AND j.journal_id = l.journal_id
LEFT JOIN {r.t("dim_accounts")} AS a ON a.tenant_id = l.tenant_id AND a.account_id = l.account_id
LEFT JOIN (
    {_documents(r)}
) AS d ON d.tenant_id = j.tenant_id AND d.source_id = j.source_id
LEFT JOIN {r.t("dim_contacts")} AS c ON c.tenant_id = d.tenant_id AND c.contact_id = d.contact_id"""


def _lines_to(r: Render, end: str) -> str:
    """The organisation's journal lines up to ``end`` summed per account and day, with the
    account's class: summing first leaves one row per account and day to classify, however
    many lines an organisation posts. On SQLite and PostgreSQL those sums are kept by
    triggers in ``ledger_daily`` (:func:`ledger_statements`), so a report reads one row per
    account and day instead of every line."""
    return f"""SELECT g.account_id, g.journal_date, g.net, a.is_profit_and_loss
    FROM (
        {_daily(r, f"journal_date <= {end}")}
    ) AS g
    JOIN {r.t("dim_accounts")} AS a
        ON a.tenant_id = {r.param("tenant_id")} AND a.account_id = g.account_id"""


def _daily(r: Render, when: str, by_month: bool = False) -> str:
    """Per account and day (or month: ``month_start``) of the organisation, the net of its
    journal lines whose date satisfies ``when`` (a condition on ``journal_date``)."""
    if r.name == "mssql":
        day = r.month_start("j.journal_date") if by_month else "j.journal_date"
        name = "month_start" if by_month else "journal_date"
        return f"""SELECT l.account_id, {day} AS {name}, SUM(l.net_amount) AS net
        FROM {r.t("journal_lines")} AS l
        JOIN {r.t("journals")} AS j
            ON j.tenant_id = l.tenant_id AND j.journal_id = l.journal_id
        WHERE l.tenant_id = {r.param("tenant_id")} AND {when.replace("journal_date",
                                                                    "j.journal_date")}
        GROUP BY l.account_id, {day}"""
    if by_month:
        month = r.month_start("d.journal_date")
        return f"""SELECT d.account_id, {month} AS month_start, SUM(d.net) AS net
        FROM {r.t(LEDGER_DAILY)} AS d
        WHERE d.tenant_id = {r.param("tenant_id")} AND {when.replace("journal_date",
                                                                    "d.journal_date")}
        GROUP BY d.account_id, {month}"""
    return f"""SELECT d.account_id, d.journal_date, d.net
        FROM {r.t(LEDGER_DAILY)} AS d
        WHERE d.tenant_id = {r.param("tenant_id")} AND {when.replace("journal_date",
                                                                    "d.journal_date")}"""


def _periods(r: Render) -> str:
    """The organisation's financial year start and retained earnings account at ``as_at``
    (Xero has one RETAINEDEARNINGS account per organisation)."""
    as_at = r.param("as_at")
    return f"""SELECT {r.fy_start(as_at)} AS fy_start, {r.month_start(as_at)} AS month_start,
        re.account_id AS retained_earnings_id
    FROM {r.t("organisation")} AS o
    LEFT JOIN {r.t("accounts")} AS re
        ON re.tenant_id = o.tenant_id AND re.system_account = 'RETAINEDEARNINGS'
    WHERE o.tenant_id = {r.param("tenant_id")}"""


def _trial_balance(r: Render) -> str:
    """Month and year-to-date per account; P&L of earlier years goes to Retained Earnings."""
    month_net = r.money("SUM(x.month_net)")
    ytd_net = r.money("SUM(x.net)")
    return f"""WITH p AS {r.once()}(
    {_periods(r)}
), x AS (
    SELECT CASE WHEN g.is_profit_and_loss = 1 AND g.journal_date < p.fy_start
            THEN p.retained_earnings_id ELSE g.account_id END AS account_id,
        CASE WHEN g.journal_date >= p.month_start THEN g.net ELSE 0 END AS month_net, g.net
    FROM ({_lines_to(r, r.param("as_at"))}) AS g CROSS JOIN p
), s AS (
    SELECT x.account_id, {month_net} AS month_net, {ytd_net} AS ytd_net
    FROM x GROUP BY x.account_id
)
SELECT a.tenant_id, a.account_id, a.account_code, a.account_name, a.account_type,
    a.account_class, a.trial_balance_section AS section, s.month_net, s.ytd_net,
    CASE WHEN s.month_net > 0 THEN s.month_net ELSE 0 END AS debit,
    CASE WHEN s.month_net < 0 THEN -s.month_net ELSE 0 END AS credit,
    CASE WHEN s.ytd_net > 0 THEN s.ytd_net ELSE 0 END AS ytd_debit,
    CASE WHEN s.ytd_net < 0 THEN -s.ytd_net ELSE 0 END AS ytd_credit
FROM s JOIN {r.t("dim_accounts")} AS a
    ON a.tenant_id = {r.param("tenant_id")} AND a.account_id = s.account_id
WHERE s.month_net <> 0 OR s.ytd_net <> 0"""


_TB_COLUMNS = (("tenant_id", "guid"), ("account_id", "guid"), ("account_code", "text"),
               ("account_name", "text"), ("account_type", "text"), ("account_class", "text"),
               ("section", "text"), ("month_net", "money"), ("ytd_net", "money"),
               ("debit", "money"), ("credit", "money"), ("ytd_debit", "money"),
               ("ytd_credit", "money"))


def _profit_and_loss(r: Render, by_month: bool) -> str:
    """Income positive for revenue accounts, expense positive for expense accounts."""
    pick = "g.month_start, " if by_month else ""
    amount = r.money("CASE WHEN a.account_class = 'REVENUE' THEN -g.net ELSE g.net END")
    period = (f"journal_date >= {r.param('from_date')} "
              f"AND journal_date <= {r.param('to_date')}")
    if r.name == "mssql" and not by_month:  # no daily ledger there: sum the lines at once
        sums = f"""SELECT l.account_id, SUM(l.net_amount) AS net
    FROM {r.t("journal_lines")} AS l
    JOIN {r.t("journals")} AS j ON j.tenant_id = l.tenant_id AND j.journal_id = l.journal_id
    WHERE l.tenant_id = {r.param("tenant_id")}
        AND j.journal_date >= {r.param("from_date")} AND j.journal_date <= {r.param("to_date")}
    GROUP BY l.account_id"""
    elif by_month:
        sums = _daily(r, period, by_month=True)
    else:
        sums = (f"SELECT x.account_id, SUM(x.net) AS net FROM (\n        {_daily(r, period)}"
                "\n    ) AS x GROUP BY x.account_id")
    return f"""SELECT {pick}a.tenant_id, a.account_id, a.account_code, a.account_name,
    a.account_type, a.account_class, a.profit_and_loss_section AS section,
    {amount} AS amount
FROM (
    {sums}
) AS g
JOIN {r.t("dim_accounts")} AS a
    ON a.tenant_id = {r.param("tenant_id")} AND a.account_id = g.account_id
WHERE a.is_profit_and_loss = 1 AND {amount} <> 0"""


_PL_COLUMNS = (("tenant_id", "guid"), ("account_id", "guid"), ("account_code", "text"),
               ("account_name", "text"), ("account_type", "text"), ("account_class", "text"),
               ("section", "text"), ("amount", "money"))


def _balance_sheet(r: Render) -> str:
    """Balances at ``as_at``: assets debit positive, liabilities and equity credit positive;
    this year's profit as Current Year Earnings, earlier years' in Retained Earnings."""
    cye = r.guid(ZERO_ID)
    amount = r.money("SUM(x.net)")
    return f"""WITH p AS {r.once()}(
    {_periods(r)}
), x AS (
    SELECT CASE WHEN g.is_profit_and_loss = 0 THEN g.account_id
            WHEN g.journal_date >= p.fy_start THEN {cye}
            ELSE p.retained_earnings_id END AS account_id, g.net
    FROM ({_lines_to(r, r.param("as_at"))}) AS g CROSS JOIN p
), s AS (
    SELECT x.account_id, {amount} AS net FROM x GROUP BY x.account_id
)
SELECT {r.param("tenant_id")} AS tenant_id, s.account_id,
    COALESCE(a.balance_sheet_section, 'Equity') AS section,
    a.account_code, COALESCE(a.account_name, 'Current Year Earnings') AS account_name,
    COALESCE(a.account_type, 'EQUITY') AS account_type,
    COALESCE(a.account_class, 'EQUITY') AS account_class,
    CASE WHEN a.account_class = 'ASSET' THEN s.net ELSE -s.net END AS amount
FROM s LEFT JOIN {r.t("dim_accounts")} AS a
    ON a.tenant_id = {r.param("tenant_id")} AND a.account_id = s.account_id
WHERE s.net <> 0"""


_BS_COLUMNS = (("tenant_id", "guid"), ("account_id", "guid"), ("section", "text"),
               ("account_code", "text"), ("account_name", "text"), ("account_type", "text"),
               ("account_class", "text"), ("amount", "money"))


def _credits(r: Render) -> str:
    """Allocations of credit notes, prepayments and overpayments to invoices, by date."""
    live = f"(x.allocation_deleted IS NULL OR x.allocation_deleted <> {r.true()})"
    parts = []
    for table, parent, key in (("credit_note_allocations", "credit_notes", "credit_note_id"),
                               ("prepayment_allocations", "prepayments", "prepayment_id"),
                               ("overpayment_allocations", "overpayments", "overpayment_id")):
        parts.append(
            f"SELECT x.invoice_id, x.date, {r.num('x.amount')} AS amount "
            f"FROM {r.t(table)} AS x JOIN {r.t(parent)} AS c "
            f"ON c.tenant_id = x.tenant_id AND c.{key} = x.{key} "
            f"WHERE x.tenant_id = {r.param('tenant_id')} AND {live} "
            f"AND c.status NOT IN ('VOIDED', 'DELETED')")
    return "\n        UNION ALL ".join(parts)


def _aged(r: Render, invoice_type: str) -> str:
    """Approved invoices dated by ``as_at`` with something due then, in their currency, aged
    by due date in Xero's monthly periods."""
    as_at = r.param("as_at")
    due = "(i.total - COALESCE(pa.paid, 0) - COALESCE(cr.credited, 0))"
    months = [r.add_months(as_at, -k) for k in range(1, 4)]
    bucket = (f"CASE WHEN i.due_date >= {as_at} THEN 'Current' "
              f"WHEN i.due_date > {months[0]} THEN '< 1 Month' "
              f"WHEN i.due_date > {months[1]} THEN '1 Month' "
              f"WHEN i.due_date > {months[2]} THEN '2 Months' "
              f"WHEN i.due_date > {r.add_months(as_at, -4)} THEN '3 Months' ELSE 'Older' END")
    overdue = r.days_between("i.due_date", as_at)
    # Derived tables, not a WITH: aged_summary nests this query, and T-SQL has no CTE in a
    # subquery.
    return f"""SELECT i.tenant_id, i.contact_id, i.contact_name, i.invoice_id, i.invoice_number,
    i.reference, i.date AS invoice_date, i.due_date, i.currency_code,
    {r.money("i.total")} AS total, {r.money("COALESCE(pa.paid, 0)")} AS paid,
    {r.money("COALESCE(cr.credited, 0)")} AS credited, {r.money(due)} AS due,
    CASE WHEN {overdue} > 0 THEN {overdue} ELSE 0 END AS days_overdue, {bucket} AS bucket
FROM (
    SELECT tenant_id, invoice_id, contact_id, contact_name, invoice_number, reference, date,
        COALESCE(due_date, date) AS due_date, currency_code, {r.num("total")} AS total
    FROM {r.t("invoices")}
    WHERE tenant_id = {r.param("tenant_id")} AND type = '{invoice_type}'
        AND status IN ('AUTHORISED', 'PAID') AND date <= {as_at}
) AS i
LEFT JOIN (
    SELECT invoice_id, SUM({r.num("amount")}) AS paid FROM {r.t("invoice_payments")}
    WHERE tenant_id = {r.param("tenant_id")} AND date <= {as_at} GROUP BY invoice_id
) AS pa ON pa.invoice_id = i.invoice_id
LEFT JOIN (
    SELECT k.invoice_id, SUM(k.amount) AS credited FROM (
        {_credits(r)}
    ) AS k WHERE k.date <= {as_at} GROUP BY k.invoice_id
) AS cr ON cr.invoice_id = i.invoice_id
WHERE {r.money(due)} <> 0"""


_AGED_COLUMNS = (("tenant_id", "guid"), ("contact_id", "guid"), ("contact_name", "text"),
                 ("invoice_id", "guid"), ("invoice_number", "text"), ("reference", "text"),
                 ("invoice_date", "date"), ("due_date", "date"), ("currency_code", "text"),
                 ("total", "money"), ("paid", "money"), ("credited", "money"),
                 ("due", "money"), ("days_overdue", "integer"), ("bucket", "text"))


def _aged_summary(r: Render) -> str:
    """Receivables and payables per contact and currency, in Xero's ageing columns."""
    buckets = (("current_due", "Current"), ("less_than_1_month", "< 1 Month"),
               ("month_1", "1 Month"), ("months_2", "2 Months"), ("months_3", "3 Months"),
               ("older", "Older"))
    sums = ",\n    ".join(
        f"{r.money(f'SUM(CASE WHEN u.bucket = {chr(39)}{label}{chr(39)} THEN u.due ELSE 0 END)')}"
        f" AS {name}" for name, label in buckets)
    union = "\n    UNION ALL ".join(
        f"SELECT '{kind}' AS kind, contact_id, contact_name, currency_code, bucket, due "
        f"FROM ({_aged(r, invoice_type)}) AS a{index}"
        for index, (kind, invoice_type) in enumerate((("receivable", "ACCREC"),
                                                       ("payable", "ACCPAY"))))
    return f"""SELECT {r.param("tenant_id")} AS tenant_id, u.kind, u.contact_id,
    MIN(u.contact_name) AS contact_name, u.currency_code,
    {sums},
    {r.money("SUM(u.due)")} AS total
FROM (
    {union}
) AS u
GROUP BY u.kind, u.contact_id, u.currency_code"""


_SUMMARY_COLUMNS = (("tenant_id", "guid"), ("kind", "text"), ("contact_id", "guid"),
                    ("contact_name", "text"), ("currency_code", "text"),
                    ("current_due", "money"), ("less_than_1_month", "money"),
                    ("month_1", "money"), ("months_2", "money"), ("months_3", "money"),
                    ("older", "money"), ("total", "money"))
_AT = (("tenant_id", "guid"), ("as_at", "date"))
_BETWEEN = (("tenant_id", "guid"), ("from_date", "date"), ("to_date", "date"))

NO_JOURNALS = (
    "no journals synced: the general ledger, trial balance, P&L and balance sheet are empty. "
    "Since March 2026 Xero serves Journals only to apps on its higher tiers (scope "
    "accounting.journals.read; run xero__journals once granted). The aged reports, built "
    "from invoices, payments and allocations, are complete")


def _reporting_status(r: Render) -> str:
    """Per organisation: whether the ledger is there, so an empty report explains itself."""
    return f"""SELECT o.tenant_id, o.name AS organisation, o.base_currency,
    o.financial_year_end_day, o.financial_year_end_month,
    (SELECT COUNT(*) FROM {r.t("journals")} AS j WHERE j.tenant_id = o.tenant_id) AS journals,
    (SELECT MAX(j.journal_date) FROM {r.t("journals")} AS j WHERE j.tenant_id = o.tenant_id)
        AS last_journal_date,
    CASE WHEN EXISTS (SELECT 1 FROM {r.t("journals")} AS j WHERE j.tenant_id = o.tenant_id)
        THEN 'complete' ELSE '{NO_JOURNALS}' END AS ledger_status
FROM {r.t("organisation")} AS o"""


VIEWS: tuple[tuple[str, Callable[[Render], str]], ...] = (
    ("reporting_status", _reporting_status),
    ("dim_accounts", _dim_accounts),
    ("dim_contacts", _dim_contacts),
    ("dim_tracking_options", _dim_tracking_options),
    ("general_ledger", _general_ledger),
)
REPORTS: tuple[ReportFunction, ...] = (
    ReportFunction("trial_balance", _AT, _TB_COLUMNS, _trial_balance),
    ReportFunction("profit_and_loss", _BETWEEN, _PL_COLUMNS,
                   lambda r: _profit_and_loss(r, by_month=False)),
    ReportFunction("profit_and_loss_by_month", _BETWEEN,
                   (("month_start", "date"), *_PL_COLUMNS),
                   lambda r: _profit_and_loss(r, by_month=True)),
    ReportFunction("balance_sheet", _AT, _BS_COLUMNS, _balance_sheet),
    ReportFunction("aged_receivables", _AT, _AGED_COLUMNS, lambda r: _aged(r, "ACCREC")),
    ReportFunction("aged_payables", _AT, _AGED_COLUMNS, lambda r: _aged(r, "ACCPAY")),
    ReportFunction("aged_summary", _AT, _SUMMARY_COLUMNS, _aged_summary),
)
REPORT_NAMES = tuple(report.name for report in REPORTS)


# -- statements ------------------------------------------------------------------------------

_PG_TYPES = {"guid": "uuid", "text": "text", "date": "date", "money": "numeric",
             "integer": "integer"}
_MSSQL_PARAM_TYPES = {"guid": "UNIQUEIDENTIFIER", "date": "DATE"}


def dim_dates_statements(r: Render) -> list[str]:
    """Create and fill ``dim_dates``: one row per day of DATE_RANGE, made by the database
    from a cross join of digits (no round trip per row)."""
    types = {"mssql": ("DATE", "INT", "NVARCHAR(20)"), "postgres": ("date", "integer", "text"),
             "sqlite": ("TEXT", "INTEGER", "TEXT")}[r.name]
    d, i, s = types
    table = r.t("dim_dates")
    create = (f"CREATE TABLE {table} (date_day {d} NOT NULL PRIMARY KEY, year {i} NOT NULL, "
              f"quarter {i} NOT NULL, month {i} NOT NULL, month_name {s} NOT NULL, "
              f"day_of_month {i} NOT NULL, iso_day_of_week {i} NOT NULL, "
              f"month_start {d} NOT NULL, month_end {d} NOT NULL, is_month_end {i} NOT NULL)")
    digits = " UNION ALL ".join(f"SELECT {n} AS n" for n in range(10))
    number = "a.n + 10 * b.n + 100 * c.n + 1000 * e.n + 10000 * f.n"
    span = (DATE_RANGE[1] - DATE_RANGE[0]).days
    start = {"mssql": f"CAST('{DATE_RANGE[0]}' AS DATE)", "postgres": f"DATE '{DATE_RANGE[0]}'",
             "sqlite": f"'{DATE_RANGE[0]}'"}[r.name]
    day = r.add_days(start, "k.n")
    names = " ".join(f"WHEN {m} THEN '{name}'" for m, name in enumerate(MONTH_NAMES, 1))
    month = r.month(day)
    fill = (f"INSERT INTO {table} SELECT {day}, {r.year(day)}, ({month} + 2) / 3, {month}, "
            f"CASE {month} {names} END, CAST({r._day(day)} AS INTEGER), "
            f"((k.n + 3) % 7) + 1, {r.month_start(day)}, {r.month_end(day)}, "
            f"CASE WHEN {day} = {r.month_end(day)} THEN 1 ELSE 0 END "
            f"FROM (SELECT {number} AS n FROM ({digits}) AS a CROSS JOIN ({digits}) AS b "
            f"CROSS JOIN ({digits}) AS c CROSS JOIN ({digits}) AS e "
            f"CROSS JOIN ({digits}) AS f) AS k WHERE k.n <= {span}")
    return [create, fill]


def view_statement(r: Render, name: str, body: Callable[[Render], str]) -> str:
    return f"CREATE VIEW {r.t(name)} AS\n{body(r)}"


def function_statement(r: Render, report: ReportFunction) -> str:
    """SQL Server: an inline table-valued function; PostgreSQL: a SQL function."""
    body = report.body(r)
    if r.name == "mssql":
        params = ", ".join(f"@{n} {_MSSQL_PARAM_TYPES[t]}" for n, t in report.params)
        return (f"CREATE FUNCTION {r.t(report.name)} ({params})\nRETURNS TABLE\nAS\n"
                f"RETURN\n{body}")
    params = ", ".join(f"p_{n} {_PG_TYPES[t]}" for n, t in report.params)
    columns = ", ".join(f"{r.sql.quote(n)} {_PG_TYPES[t]}" for n, t in report.columns)
    return (f"CREATE FUNCTION {r.t(report.name)} ({params})\nRETURNS TABLE ({columns})\n"
            f"LANGUAGE sql STABLE\nAS $reporting$\n{body}\n$reporting$")


def index_statements(r: Render) -> list[tuple[str, str]]:
    """Covering indexes: invoices for the aged reports; lines by journal with account and
    amount and journals with their date, for the general ledger and for filling
    ``ledger_daily``. Not on SQL Server: Babelfish renames indexes, so "create if
    missing" cannot be told there; on SQL Server add them (or a columnstore) by hand."""
    if r.name == "mssql":
        return []
    lines, journals = r.t("journal_lines"), r.t("journals")
    prefix = f"{r.schema}_"  # index names are per database in SQLite, per schema in PG
    return [
        # The aged reports: an organisation's invoices of a type dated by the date, without
        # reading their wide rows (_raw_json): a third of an aged report's time on SQLite.
        ("ix_reporting_invoices", f"CREATE INDEX IF NOT EXISTS "
         f"{r.sql.quote(prefix + 'ix_reporting_invoices')} ON {r.t('invoices')} "
         "(tenant_id, type, date, status, invoice_id, contact_id, contact_name, "
         "invoice_number, reference, due_date, currency_code, total)"),
        ("ix_reporting_journal_lines", f"CREATE INDEX IF NOT EXISTS "
         f"{r.sql.quote(prefix + 'ix_reporting_journal_lines')} ON {lines} "
         "(tenant_id, journal_id, account_id, net_amount)"),
        ("ix_reporting_journals", f"CREATE INDEX IF NOT EXISTS "
         f"{r.sql.quote(prefix + 'ix_reporting_journals')} ON {journals} "
         "(tenant_id, journal_id, journal_date)"),
    ]


def ledger_statements(r: Render) -> list[tuple[str, str]]:
    """SQLite and PostgreSQL: ``ledger_daily``, the net of the journal lines per organisation,
    account and journal date, filled from the lines there are and kept by triggers on
    ``journal_lines`` (insert adds, delete subtracts, update both), in the transaction that
    changes the lines. The balance reports read it: at 100,000 invoices (750,000 lines) a
    trial balance reads some 30,000 daily rows instead of every line (docs/reporting.md,
    Speed). Journals are never changed once posted, so a line's day is its journal's.

    Not on SQL Server: there the reports sum the lines (add a columnstore index by hand for
    large organisations)."""
    if r.name == "mssql":
        return []
    table, lines, journals = r.t(LEDGER_DAILY), r.t("journal_lines"), r.t("journals")
    if r.name == "sqlite":
        types = ("TEXT", "TEXT", "TEXT", "REAL", "INTEGER", " WITHOUT ROWID")
    else:
        types = ("uuid", "uuid", "date", "numeric", "bigint", "")
    guid, text_date, number, count, rowid = types[0], types[2], types[3], types[4], types[5]
    create = (f"CREATE TABLE {table} (tenant_id {guid} NOT NULL, account_id {guid} NOT NULL, "
              f"journal_date {text_date} NOT NULL, net {number} NOT NULL, "
              f"lines {count} NOT NULL, "
              f"PRIMARY KEY (tenant_id, account_id, journal_date)){rowid}")
    fill = (f"INSERT INTO {table} (tenant_id, account_id, journal_date, net, lines) "
            f"SELECT l.tenant_id, l.account_id, j.journal_date, SUM({r.num('l.net_amount')}), "
            f"COUNT(*) FROM {lines} AS l JOIN {journals} AS j "
            "ON j.tenant_id = l.tenant_id AND j.journal_id = l.journal_id "
            "WHERE l.account_id IS NOT NULL AND j.journal_date IS NOT NULL "
            "GROUP BY l.tenant_id, l.account_id, j.journal_date")
    statements = [(LEDGER_DAILY, create), (LEDGER_DAILY, fill)]
    if r.name == "sqlite":
        for event, changes in (("INSERT", (("NEW", "+"),)), ("DELETE", (("OLD", "-"),)),
                               ("UPDATE", (("OLD", "-"), ("NEW", "+")))):
            body = "".join(_sqlite_apply(r, row, sign) for row, sign in changes)
            name = _trigger_name(r, event)
            statements.append((name, f"CREATE TRIGGER {r.sql.quote(name)} AFTER {event} "
                                     f"ON {lines} FOR EACH ROW BEGIN{body}\nEND"))
        return statements
    function = r.t(f"{LEDGER_DAILY}_apply")
    apply = "\n".join(
        f"    IF TG_OP IN ({events}) THEN\n        INSERT INTO {table} "
        "(tenant_id, account_id, journal_date, net, lines)\n"
        f"        SELECT x.tenant_id, x.account_id, j.journal_date, {sign}SUM(x.net_amount), "
        f"{sign}COUNT(*)\n        FROM {rows} AS x JOIN {journals} AS j\n"
        "            ON j.tenant_id = x.tenant_id AND j.journal_id = x.journal_id\n"
        "        WHERE x.account_id IS NOT NULL AND j.journal_date IS NOT NULL\n"
        "        GROUP BY x.tenant_id, x.account_id, j.journal_date\n"
        "        ON CONFLICT (tenant_id, account_id, journal_date) DO UPDATE\n"
        f"        SET net = {table}.net + EXCLUDED.net, lines = {table}.lines + EXCLUDED.lines;"
        "\n    END IF;"
        for events, rows, sign in (("'DELETE', 'UPDATE'", "old_rows", "-"),
                                   ("'INSERT', 'UPDATE'", "new_rows", "")))
    statements.append((f"{LEDGER_DAILY}_apply",
                       f"CREATE FUNCTION {function} () RETURNS trigger LANGUAGE plpgsql AS "
                       f"$ledger$\nBEGIN\n{apply}\n    RETURN NULL;\nEND\n$ledger$"))
    for event, referencing in (("INSERT", "NEW TABLE AS new_rows"),
                               ("DELETE", "OLD TABLE AS old_rows"),
                               ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows")):
        name = _trigger_name(r, event)
        statements.append((name, f"CREATE TRIGGER {r.sql.quote(name)} AFTER {event} ON {lines} "
                                 f"REFERENCING {referencing} FOR EACH STATEMENT "
                                 f"EXECUTE FUNCTION {function} ()"))
    return statements


def _trigger_name(r: Render, event: str) -> str:
    """Trigger names are per database in SQLite, per table in PostgreSQL."""
    prefix = f"{r.schema}_" if r.name == "sqlite" else ""
    return f"{prefix}{LEDGER_DAILY}_{event.lower()}"


def _sqlite_apply(r: Render, row: str, sign: str) -> str:
    """One line's net added to (or taken from) its account and day in ``ledger_daily``."""
    table = r.t(LEDGER_DAILY)
    return (f"\n    INSERT INTO {table} (tenant_id, account_id, journal_date, net, lines)"
            f"\n    SELECT {row}.tenant_id, {row}.account_id, j.journal_date, "
            f"{sign}CAST({row}.net_amount AS REAL), {sign}1 FROM {r.t('journals')} AS j"
            f"\n    WHERE j.tenant_id = {row}.tenant_id AND j.journal_id = {row}.journal_id "
            f"AND {row}.account_id IS NOT NULL AND j.journal_date IS NOT NULL"
            f"\n    ON CONFLICT (tenant_id, account_id, journal_date) DO UPDATE "
            f"SET net = net + excluded.net, lines = lines + excluded.lines;")


def create_statements(r: Render) -> list[tuple[str, str]]:
    """(object name, statement) in creation order: what ``ensure_reporting`` runs."""
    statements = [("dim_dates", s) for s in dim_dates_statements(r)]
    statements += index_statements(r)
    statements += ledger_statements(r)
    statements += [(name, view_statement(r, name, body)) for name, body in VIEWS]
    if r.name != "sqlite":
        statements += [(report.name, function_statement(r, report)) for report in REPORTS]
    return statements


def drop_statements(r: Render) -> list[str]:
    """Drop every object of the layer that exists, dependants first."""
    drops = []
    if r.name != "sqlite":
        for report in reversed(REPORTS):
            drops.append(_drop(r, "FUNCTION", report.name, report.params))
    for name, _ in reversed(VIEWS):
        drops.append(_drop(r, "VIEW", name))
    drops.append(_drop(r, "TABLE", "dim_dates"))
    if r.name != "mssql":
        lines = r.t("journal_lines")
        for event in ("INSERT", "DELETE", "UPDATE"):
            name = r.sql.quote(_trigger_name(r, event))
            drops.append(f"DROP TRIGGER IF EXISTS {name}" if r.name == "sqlite"
                         else f"DROP TRIGGER IF EXISTS {name} ON {lines}")
        if r.name == "postgres":
            drops.append(f"DROP FUNCTION IF EXISTS {r.t(LEDGER_DAILY + '_apply')} ()")
        drops.append(_drop(r, "TABLE", LEDGER_DAILY))
    return drops


def _drop(r: Render, kind: str, name: str,
          params: tuple[tuple[str, str], ...] = ()) -> str:
    if r.name == "mssql":
        code = {"FUNCTION": "IF", "VIEW": "V", "TABLE": "U"}[kind]
        quoted = r.t(name).replace("'", "''")
        return (f"IF OBJECT_ID(N'{quoted}', N'{code}') IS NOT NULL "
                f"DROP {kind} {r.t(name)}")
    if r.name == "postgres" and kind == "FUNCTION":
        types = ", ".join(_PG_TYPES[t] for _, t in params)
        return f"DROP FUNCTION IF EXISTS {r.t(name)} ({types})"
    return f"DROP {kind} IF EXISTS {r.t(name)}"


def fingerprint(r: Render) -> str:
    """Changes whenever any statement of the layer does."""
    text = "\n;\n".join(statement for _, statement in create_statements(r))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


# -- creating the layer ----------------------------------------------------------------------


def source_mappings() -> list[ObjectMapping]:
    """The mappings whose tables the layer reads (from the project's mappings directory).

    Only these matter: another file that is broken (or a stray README) fails its own DAG,
    not every sync that builds the layer. A source that is broken or missing raises: the
    layer cannot be built without its tables."""
    found = {m.name: m for m in usable_mappings(PROJECT_MAPPINGS, SOURCE_MAPPINGS)
             if m.name in SOURCE_MAPPINGS}
    missing = [name for name in SOURCE_MAPPINGS if name not in found]
    if missing:
        raise MappingError(f"{PROJECT_MAPPINGS}: no mapping {', '.join(missing)}; expected "
                           f"the files the reporting layer reads: {', '.join(SOURCE_MAPPINGS)}")
    return list(found.values())  # by name, as usable_mappings gives them


def _create_missing_sources(warehouse: SqlWarehouse, cursor: Any,
                            sources: list[ObjectMapping]) -> list[str]:
    """Create, empty, the tables of source mappings no sync has created yet; returns the
    tables still missing beside an existing parent table.

    A mapping whose parent table exists is left to its own ``ensure_tables``: creating its
    child table here would skip the refill from ``_raw_json`` that a new child table gets
    there (sqlbase.py), so the layer waits for that run instead.
    """
    waiting = []
    for mapping in sources:
        specs = mapping_tables(mapping)
        if not warehouse._existing_columns(cursor, mapping.table):
            for spec in specs:
                warehouse._ensure_table(cursor, spec, "the reporting layer")
            continue
        waiting += [spec.name for spec in specs
                    if not warehouse._existing_columns(cursor, spec.name)]
    return waiting


def ensure_layer(warehouse: SqlWarehouse) -> None:
    """Create the reporting layer, or bring it up to date, in one transaction under the
    lock ``ensure_tables`` takes: the sync task calls it right after ``ensure_tables``."""
    with warehouse._transaction("create the reporting layer", warehouse.schema) as cursor:
        warehouse._lock_ddl(cursor)
        ensure_reporting(warehouse, cursor)


def drop_layer(warehouse: SqlWarehouse) -> None:
    """Remove the reporting layer (functions, views, its own tables and triggers) and forget
    its fingerprint, in one transaction under the DDL lock; the synced tables stay. What a
    scratch schema's teardown needs first on SQL Server, which drops neither a schema with
    objects in it nor a table a view is bound to; ``ensure_layer`` builds it again."""
    r = Render(warehouse.sql, warehouse.schema)
    with warehouse._transaction("drop the reporting layer", warehouse.schema) as cursor:
        warehouse._lock_ddl(cursor)
        for statement in drop_statements(r):
            cursor.execute(statement)
        if warehouse._existing_columns(cursor, VERSION_TABLE):
            cursor.execute(version_statements(r)["clear"])


def ensure_reporting(warehouse: SqlWarehouse, cursor: Any) -> None:
    """Inside a DDL transaction: create the tables the layer reads that no sync has created
    yet, and (re)create the layer when its fingerprint changed."""
    r = Render(warehouse.sql, warehouse.schema)
    version = version_statements(r)
    if not warehouse._existing_columns(cursor, VERSION_TABLE):
        cursor.execute(version["create"])
    cursor.execute(version["select"])
    stored = [row[0] for row in cursor.fetchall()]
    wanted = fingerprint(r)
    if stored == [wanted]:
        return
    try:
        sources = source_mappings()
    except MappingError as error:
        log.error("reporting layer: left as it is until this mapping is fixed (the syncs go "
                  "on): %s", error)
        return
    waiting = _create_missing_sources(warehouse, cursor, sources)
    if waiting:
        log.info("reporting layer: waiting for %s (created with its mapping's next run)",
                 ", ".join(waiting))
        return
    if stored:  # an earlier definition exists: replace it
        for statement in drop_statements(r):
            cursor.execute(statement)
    for name, statement in create_statements(r):
        cursor.execute(statement)
        log.info("reporting layer: created %s", r.t(name))
    cursor.execute(version["clear"])
    cursor.execute(version["insert"], (wanted,))


def version_statements(r: Render) -> dict[str, str]:
    """The statements that keep the layer's fingerprint in ``_reporting_objects``."""
    table = r.t(VERSION_TABLE)
    text = {"mssql": "NVARCHAR(64)", "postgres": "varchar(64)", "sqlite": "TEXT"}[r.name]
    return {"create": f"CREATE TABLE {table} (fingerprint {text} NOT NULL)",
            "select": f"SELECT fingerprint FROM {table}",
            "clear": f"DELETE FROM {table}",
            "insert": f"INSERT INTO {table} (fingerprint) VALUES ({r.sql.marker})"}


def tsql_statements(schema: str) -> dict[str, str]:
    """Every statement the layer sends to SQL Server, by name (golden files in
    tests/golden/mssql/reporting/); the source tables' CREATEs are the mappings' own."""
    r = Render(MSSQL, schema)
    statements = {f"version_{name}": sql for name, sql in version_statements(r).items()}
    for mapping in source_mappings():
        for spec in mapping_tables(mapping):
            statements[f"source_{spec.name}"] = create_table(MSSQL, schema, spec)
    statements.update({f"drop_{index:02d}": sql
                       for index, sql in enumerate(drop_statements(r), 1)})
    for index, (name, sql) in enumerate(create_statements(r), 1):
        statements[f"create_{index:02d}_{name}"] = sql
    return statements


# -- running a report ------------------------------------------------------------------------


def report_sql(r: Render, name: str) -> str:
    """The query that runs a report with the driver's parameters, in the report's order."""
    report = next((item for item in REPORTS if item.name == name), None)
    if report is None:
        raise KeyError(f"no report {name!r}: choose one of {', '.join(REPORT_NAMES)}")
    if r.name == "sqlite":
        return report.body(r)
    markers = ", ".join([r.sql.marker] * len(report.params))
    return f"SELECT * FROM {r.t(report.name)}({markers})"


def run_report(warehouse: SqlWarehouse, name: str, tenant_id: str,
               *dates: date) -> list[dict[str, Any]]:
    """Rows of one report for one organisation: ``(as_at)`` or ``(from_date, to_date)``."""
    r = Render(warehouse.sql, warehouse.schema)
    report = next(item for item in REPORTS if item.name == name)
    values: list[Any] = [tenant_id, *(d.isoformat() for d in dates)]
    if len(values) != len(report.params):
        raise TypeError(f"report {name} takes {', '.join(n for n, _ in report.params)}")
    sql = report_sql(r, name)
    arguments: Sequence[Any] | dict[str, Any]
    arguments = (dict(zip((n for n, _ in report.params), values, strict=True))
                 if r.name == "sqlite" else values)
    cursor = warehouse.connection.cursor()
    try:
        cursor.execute(sql, arguments)
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    finally:
        cursor.close()
