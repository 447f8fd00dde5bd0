CREATE FUNCTION [xero].[profit_and_loss_by_month] (@tenant_id UNIQUEIDENTIFIER, @from_date DATE, @to_date DATE)
RETURNS TABLE
AS
RETURN
SELECT g.month_start, a.tenant_id, a.account_id, a.account_code, a.account_name,
    a.account_type, a.account_class, a.profit_and_loss_section AS section,
    CASE WHEN a.account_class = 'REVENUE' THEN -g.net ELSE g.net END AS amount
FROM (
    SELECT l.account_id, DATEFROMPARTS(YEAR(j.journal_date), MONTH(j.journal_date), 1) AS month_start, SUM(l.net_amount) AS net
        FROM [xero].[journal_lines] AS l
        JOIN [xero].[journals] AS j
            ON j.tenant_id = l.tenant_id AND j.journal_id = l.journal_id
        WHERE l.tenant_id = @tenant_id AND j.journal_date >= @from_date AND j.journal_date <= @to_date
        GROUP BY l.account_id, DATEFROMPARTS(YEAR(j.journal_date), MONTH(j.journal_date), 1)
) AS g
JOIN [xero].[dim_accounts] AS a
    ON a.tenant_id = @tenant_id AND a.account_id = g.account_id
WHERE a.is_profit_and_loss = 1 AND CASE WHEN a.account_class = 'REVENUE' THEN -g.net ELSE g.net END <> 0
