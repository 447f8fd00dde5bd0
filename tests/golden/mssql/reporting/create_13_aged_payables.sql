CREATE FUNCTION [xero].[aged_payables] (@tenant_id UNIQUEIDENTIFIER, @as_at DATE)
RETURNS TABLE
AS
RETURN
SELECT i.tenant_id, i.contact_id, i.contact_name, i.invoice_id, i.invoice_number,
    i.reference, i.date AS invoice_date, i.due_date, i.currency_code,
    i.total AS total, COALESCE(pa.paid, 0) AS paid,
    COALESCE(cr.credited, 0) AS credited, (i.total - COALESCE(pa.paid, 0) - COALESCE(cr.credited, 0)) AS due,
    CASE WHEN DATEDIFF(day, i.due_date, @as_at) > 0 THEN DATEDIFF(day, i.due_date, @as_at) ELSE 0 END AS days_overdue, CASE WHEN i.due_date >= @as_at THEN 'Current' WHEN i.due_date > DATEADD(month, -1, @as_at) THEN '< 1 Month' WHEN i.due_date > DATEADD(month, -2, @as_at) THEN '1 Month' WHEN i.due_date > DATEADD(month, -3, @as_at) THEN '2 Months' WHEN i.due_date > DATEADD(month, -4, @as_at) THEN '3 Months' ELSE 'Older' END AS bucket
FROM (
    SELECT tenant_id, invoice_id, contact_id, contact_name, invoice_number, reference, date,
        COALESCE(due_date, date) AS due_date, currency_code, total AS total
    FROM [xero].[invoices]
    WHERE tenant_id = @tenant_id AND type = 'ACCPAY'
        AND status IN ('AUTHORISED', 'PAID') AND date <= @as_at
) AS i
LEFT JOIN (
    SELECT invoice_id, SUM(amount) AS paid FROM [xero].[invoice_payments]
    WHERE tenant_id = @tenant_id AND date <= @as_at GROUP BY invoice_id
) AS pa ON pa.invoice_id = i.invoice_id
LEFT JOIN (
    SELECT k.invoice_id, SUM(k.amount) AS credited FROM (
        SELECT x.invoice_id, x.date, x.amount AS amount FROM [xero].[credit_note_allocations] AS x JOIN [xero].[credit_notes] AS c ON c.tenant_id = x.tenant_id AND c.credit_note_id = x.credit_note_id WHERE x.tenant_id = @tenant_id AND (x.allocation_deleted IS NULL OR x.allocation_deleted <> 1) AND c.status NOT IN ('VOIDED', 'DELETED')
        UNION ALL SELECT x.invoice_id, x.date, x.amount AS amount FROM [xero].[prepayment_allocations] AS x JOIN [xero].[prepayments] AS c ON c.tenant_id = x.tenant_id AND c.prepayment_id = x.prepayment_id WHERE x.tenant_id = @tenant_id AND (x.allocation_deleted IS NULL OR x.allocation_deleted <> 1) AND c.status NOT IN ('VOIDED', 'DELETED')
        UNION ALL SELECT x.invoice_id, x.date, x.amount AS amount FROM [xero].[overpayment_allocations] AS x JOIN [xero].[overpayments] AS c ON c.tenant_id = x.tenant_id AND c.overpayment_id = x.overpayment_id WHERE x.tenant_id = @tenant_id AND (x.allocation_deleted IS NULL OR x.allocation_deleted <> 1) AND c.status NOT IN ('VOIDED', 'DELETED')
    ) AS k WHERE k.date <= @as_at GROUP BY k.invoice_id
) AS cr ON cr.invoice_id = i.invoice_id
WHERE (i.total - COALESCE(pa.paid, 0) - COALESCE(cr.credited, 0)) <> 0
