CREATE FUNCTION [xero].[trial_balance] (@tenant_id UNIQUEIDENTIFIER, @as_at DATE)
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
    SELECT CASE WHEN g.is_profit_and_loss = 1 AND g.journal_date < p.fy_start
            THEN p.retained_earnings_id ELSE g.account_id END AS account_id,
        CASE WHEN g.journal_date >= p.month_start THEN g.net ELSE 0 END AS month_net, g.net
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
    SELECT x.account_id, SUM(x.month_net) AS month_net, SUM(x.net) AS ytd_net
    FROM x GROUP BY x.account_id
)
SELECT a.tenant_id, a.account_id, a.account_code, a.account_name, a.account_type,
    a.account_class, a.trial_balance_section AS section, s.month_net, s.ytd_net,
    CASE WHEN s.month_net > 0 THEN s.month_net ELSE 0 END AS debit,
    CASE WHEN s.month_net < 0 THEN -s.month_net ELSE 0 END AS credit,
    CASE WHEN s.ytd_net > 0 THEN s.ytd_net ELSE 0 END AS ytd_debit,
    CASE WHEN s.ytd_net < 0 THEN -s.ytd_net ELSE 0 END AS ytd_credit
FROM s JOIN [xero].[dim_accounts] AS a
    ON a.tenant_id = @tenant_id AND a.account_id = s.account_id
WHERE s.month_net <> 0 OR s.ytd_net <> 0
