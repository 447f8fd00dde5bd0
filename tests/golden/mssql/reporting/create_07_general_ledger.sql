CREATE VIEW [xero].[general_ledger] AS
SELECT l.tenant_id, j.journal_id, j.journal_number, j.journal_date,
    j.created_date_utc, j.source_type, j.source_id, j.reference, l.journal_line_id,
    l.account_id, COALESCE(a.account_code, l.account_code) AS account_code,
    COALESCE(a.account_name, l.account_name) AS account_name,
    COALESCE(a.account_type, l.account_type) AS account_type, a.account_class,
    l.description, l.net_amount, l.tax_amount, l.gross_amount, l.tax_type,
    CASE WHEN l.net_amount > 0 THEN l.net_amount ELSE 0 END AS debit,
    CASE WHEN l.net_amount < 0 THEN -l.net_amount ELSE 0 END AS credit,
    d.contact_id, COALESCE(d.contact_name, c.contact_name) AS contact_name,
    d.currency_code AS document_currency_code, d.currency_rate AS document_currency_rate,
    (SELECT MIN(t.name) FROM [xero].[journal_line_tracking] AS t WHERE t.tenant_id = l.tenant_id AND t.journal_id = l.journal_id AND t.journal_line_id = l.journal_line_id AND t._position = 0) AS tracking_category_1,
    (SELECT MIN(t.[option]) FROM [xero].[journal_line_tracking] AS t WHERE t.tenant_id = l.tenant_id AND t.journal_id = l.journal_id AND t.journal_line_id = l.journal_line_id AND t._position = 0) AS tracking_option_1,
    (SELECT MIN(t.name) FROM [xero].[journal_line_tracking] AS t WHERE t.tenant_id = l.tenant_id AND t.journal_id = l.journal_id AND t.journal_line_id = l.journal_line_id AND t._position = 1) AS tracking_category_2,
    (SELECT MIN(t.[option]) FROM [xero].[journal_line_tracking] AS t WHERE t.tenant_id = l.tenant_id AND t.journal_id = l.journal_id AND t.journal_line_id = l.journal_line_id AND t._position = 1) AS tracking_option_2
FROM [xero].[journal_lines] AS l
JOIN [xero].[journals] AS j ON j.tenant_id = l.tenant_id AND j.journal_id = l.journal_id
LEFT JOIN [xero].[dim_accounts] AS a ON a.tenant_id = l.tenant_id AND a.account_id = l.account_id
LEFT JOIN (
    SELECT tenant_id, invoice_id AS source_id, contact_id, contact_name, currency_code, currency_rate FROM [xero].[invoices]
    UNION ALL SELECT tenant_id, credit_note_id, contact_id, contact_name, currency_code, currency_rate FROM [xero].[credit_notes]
    UNION ALL SELECT tenant_id, bank_transaction_id, contact_id, contact_name, currency_code, currency_rate FROM [xero].[bank_transactions]
    UNION ALL SELECT tenant_id, prepayment_id, contact_id, contact_name, currency_code, currency_rate FROM [xero].[prepayments]
    UNION ALL SELECT tenant_id, overpayment_id, contact_id, contact_name, currency_code, currency_rate FROM [xero].[overpayments]
    UNION ALL SELECT tenant_id, payment_id, COALESCE(invoice_contact_id, credit_note_contact_id), NULL, COALESCE(invoice_currency_code, credit_note_currency_code), currency_rate FROM [xero].[payments]
) AS d ON d.tenant_id = j.tenant_id AND d.source_id = j.source_id
LEFT JOIN [xero].[dim_contacts] AS c ON c.tenant_id = d.tenant_id AND c.contact_id = d.contact_id
