CREATE VIEW [xero].[reporting_status] AS
SELECT o.tenant_id, o.name AS organisation, o.base_currency,
    o.financial_year_end_day, o.financial_year_end_month,
    (SELECT COUNT(*) FROM [xero].[journals] AS j WHERE j.tenant_id = o.tenant_id) AS journals,
    (SELECT MAX(j.journal_date) FROM [xero].[journals] AS j WHERE j.tenant_id = o.tenant_id)
        AS last_journal_date,
    CASE WHEN EXISTS (SELECT 1 FROM [xero].[journals] AS j WHERE j.tenant_id = o.tenant_id)
        THEN 'complete' ELSE 'no journals synced: the general ledger, trial balance, P&L and balance sheet are empty. Since March 2026 Xero serves Journals only to apps on its higher tiers (scope accounting.journals.read; run xero__journals once granted). The aged reports, built from invoices, payments and allocations, are complete' END AS ledger_status
FROM [xero].[organisation] AS o
