"""Example queries a newcomer can paste after ``make demo``, and their SQL Server spelling.

``make demo`` prints the SQLite ones against ``var/demo/warehouse.db`` (the schema ``xero`` becomes
a ``xero_`` prefix there); the README's "Query the warehouse" section holds the T-SQL ones for the
Docker Compose setup (schema ``xero``). Both are kept here so tests/docs/test_queries.py can run
every one against a warehouse loaded the way the demo loads it, and check the README quotes the
T-SQL exactly: a renamed column then fails a test instead of a newcomer's first query.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExampleQuery:
    """One question, asked in SQLite (the demo) and in T-SQL (SQL Server)."""

    title: str
    sqlite: str
    tsql: str


QUERIES = (
    ExampleQuery(
        "Unpaid sales invoices by contact (amounts in the invoice's currency)",
        sqlite="""\
SELECT o.name AS organisation, i.contact_name, i.currency_code,
       COUNT(*) AS invoices, ROUND(SUM(i.amount_due), 2) AS amount_due
FROM xero_invoices AS i
JOIN xero_organisation AS o ON o.tenant_id = i.tenant_id
WHERE i.type = 'ACCREC' AND i.status = 'AUTHORISED' AND i.is_deleted = 0
GROUP BY o.name, i.contact_name, i.currency_code
ORDER BY SUM(i.amount_due) DESC
LIMIT 10;""",
        tsql="""\
SELECT TOP 10 o.name AS organisation, i.contact_name, i.currency_code,
       COUNT(*) AS invoices, SUM(i.amount_due) AS amount_due
FROM xero.invoices AS i
JOIN xero.organisation AS o ON o.tenant_id = i.tenant_id
WHERE i.type = 'ACCREC' AND i.status = 'AUTHORISED' AND i.is_deleted = 0
GROUP BY o.name, i.contact_name, i.currency_code
ORDER BY SUM(i.amount_due) DESC;"""),
    ExampleQuery(
        "Sales by account, net of tax, in the latest month invoiced",
        sqlite="""\
SELECT o.name AS organisation, l.account_code, a.name AS account, i.currency_code,
       ROUND(SUM(CASE WHEN i.line_amount_types = 'Inclusive'  -- line amounts include tax
                      THEN l.line_amount - COALESCE(l.tax_amount, 0)
                      ELSE l.line_amount END), 2) AS net_sales
FROM xero_invoices AS i
JOIN xero_invoice_line_items AS l ON l.tenant_id = i.tenant_id AND l.invoice_id = i.invoice_id
JOIN xero_organisation AS o ON o.tenant_id = i.tenant_id
LEFT JOIN xero_accounts AS a ON a.tenant_id = l.tenant_id AND a.code = l.account_code
WHERE i.type = 'ACCREC' AND i.status IN ('AUTHORISED', 'PAID') AND i.is_deleted = 0
  AND i.date >= (SELECT substr(MAX(date), 1, 7) || '-01' FROM xero_invoices
                 WHERE type = 'ACCREC')
GROUP BY o.name, l.account_code, a.name, i.currency_code
ORDER BY net_sales DESC;""",
        tsql="""\
SELECT o.name AS organisation, l.account_code, a.name AS account, i.currency_code,
       SUM(CASE WHEN i.line_amount_types = 'Inclusive'  -- line amounts include tax
                THEN l.line_amount - COALESCE(l.tax_amount, 0)
                ELSE l.line_amount END) AS net_sales
FROM xero.invoices AS i
JOIN xero.invoice_line_items AS l ON l.tenant_id = i.tenant_id AND l.invoice_id = i.invoice_id
JOIN xero.organisation AS o ON o.tenant_id = i.tenant_id
LEFT JOIN xero.accounts AS a ON a.tenant_id = l.tenant_id AND a.code = l.account_code
WHERE i.type = 'ACCREC' AND i.status IN ('AUTHORISED', 'PAID') AND i.is_deleted = 0
  AND i.[date] >= (SELECT DATEFROMPARTS(YEAR(MAX([date])), MONTH(MAX([date])), 1)
                   FROM xero.invoices WHERE type = 'ACCREC')
GROUP BY o.name, l.account_code, a.name, i.currency_code
ORDER BY net_sales DESC;"""),
    ExampleQuery(
        "The sync history: one row per task run, newest first",
        sqlite="""\
SELECT started_at, object, tenant_id, status, calls, inserted, updated, deleted
FROM xero__sync_runs
ORDER BY started_at DESC
LIMIT 10;""",
        tsql="""\
SELECT TOP 10 started_at, object, tenant_id, status, calls, inserted, updated, deleted
FROM xero._sync_runs
ORDER BY started_at DESC;"""),
)


def script(dialect: str) -> str:
    """The queries as one paste-able script, each under its title as a comment."""
    return "\n\n".join(f"-- {query.title}\n{getattr(query, dialect)}" for query in QUERIES)
