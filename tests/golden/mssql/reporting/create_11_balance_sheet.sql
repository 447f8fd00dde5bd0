CREATE FUNCTION [xero].[balance_sheet] (@tenant_id UNIQUEIDENTIFIER, @as_at DATE)
RETURNS TABLE
AS
RETURN
WITH p AS (
    SELECT DATEADD(day, 1, CASE WHEN DATEADD(day, CASE WHEN o.financial_year_end_day < CAST(DAY(EOMONTH(DATEFROMPARTS(YEAR(@as_at), o.financial_year_end_month, 1))) AS INTEGER) THEN o.financial_year_end_day ELSE CAST(DAY(EOMONTH(DATEFROMPARTS(YEAR(@as_at), o.financial_year_end_month, 1))) AS INTEGER) END - 1, DATEFROMPARTS(YEAR(@as_at), o.financial_year_end_month, 1)) >= @as_at THEN DATEADD(day, CASE WHEN o.financial_year_end_day < CAST(DAY(EOMONTH(DATEFROMPARTS(YEAR(@as_at) - 1, o.financial_year_end_month, 1))) AS INTEGER) THEN o.financial_year_end_day ELSE CAST(DAY(EOMONTH(DATEFROMPARTS(YEAR(@as_at) - 1, o.financial_year_end_month, 1))) AS INTEGER) END - 1, DATEFROMPARTS(YEAR(@as_at) - 1, o.financial_year_end_month, 1)) ELSE DATEADD(day, CASE WHEN o.financial_year_end_day < CAST(DAY(EOMONTH(DATEFROMPARTS(YEAR(@as_at), o.financial_year_end_month, 1))) AS INTEGER) THEN o.financial_year_end_day ELSE CAST(DAY(EOMONTH(DATEFROMPARTS(YEAR(@as_at), o.financial_year_end_month, 1))) AS INTEGER) END - 1, DATEFROMPARTS(YEAR(@as_at), o.financial_year_end_month, 1)) END) AS fy_start, DATEFROMPARTS(YEAR(@as_at), MONTH(@as_at), 1) AS month_start,
        re.account_id AS retained_earnings_id
    FROM [xero].[organisation] AS o
    LEFT JOIN [xero].[accounts] AS re
        ON re.tenant_id = o.tenant_id AND re.system_account = 'RETAINEDEARNINGS'
    WHERE o.tenant_id = @tenant_id
), x AS (
    SELECT CASE WHEN g.is_profit_and_loss = 0 THEN g.account_id
            WHEN g.journal_date >= p.fy_start THEN CAST('00000000-0000-0000-0000-000000000000' AS UNIQUEIDENTIFIER)
            ELSE p.retained_earnings_id END AS account_id, g.net
    FROM (SELECT g.account_id, g.journal_date, g.net, a.is_profit_and_loss
    FROM (
        SELECT l.account_id, j.journal_date AS journal_date, SUM(l.net_amount) AS net
        FROM [xero].[journal_lines] AS l
        JOIN [xero].[journals] AS j
            ON j.tenant_id = l.tenant_id AND j.journal_id = l.journal_id
        WHERE l.tenant_id = @tenant_id AND j.journal_date <= @as_at
        GROUP BY l.account_id, j.journal_date
    ) AS g
    JOIN [xero].[dim_accounts] AS a
        ON a.tenant_id = @tenant_id AND a.account_id = g.account_id) AS g CROSS JOIN p
), s AS (
    SELECT x.account_id, SUM(x.net) AS net FROM x GROUP BY x.account_id
)
SELECT @tenant_id AS tenant_id, s.account_id,
    COALESCE(a.balance_sheet_section, 'Equity') AS section,
    a.account_code, COALESCE(a.account_name, 'Current Year Earnings') AS account_name,
    COALESCE(a.account_type, 'EQUITY') AS account_type,
    COALESCE(a.account_class, 'EQUITY') AS account_class,
    CASE WHEN a.account_class = 'ASSET' THEN s.net ELSE -s.net END AS amount
FROM s LEFT JOIN [xero].[dim_accounts] AS a
    ON a.tenant_id = @tenant_id AND a.account_id = s.account_id
WHERE s.net <> 0
