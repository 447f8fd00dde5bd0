DECLARE @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
INSERT INTO #applied ([action], [tenant_id], [contact_id], [is_deleted], [was_deleted])
SELECT N'UPDATE', s.[tenant_id], s.[contact_id], s.[is_deleted], t.[is_deleted]
FROM #stage AS s
JOIN [xero].[contacts] AS t WITH (UPDLOCK, HOLDLOCK) ON t.[tenant_id] = s.[tenant_id] AND t.[contact_id] = s.[contact_id]
WHERE (s.[updated_date_utc] >= t.[updated_date_utc] OR s.[updated_date_utc] IS NULL OR t.[updated_date_utc] IS NULL OR t.[updated_date_utc] > DATEADD(SECOND, 300, @loaded_at)) AND EXISTS (SELECT s.[contact_number], s.[account_number], s.[contact_status], s.[name], s.[first_name], s.[last_name], s.[email_address], s.[website], s.[bank_account_details], s.[tax_number], s.[company_number], s.[accounts_receivable_tax_type], s.[accounts_payable_tax_type], s.[is_supplier], s.[is_customer], s.[default_currency], s.[discount], s.[branding_theme_id], s.[sales_default_account_code], s.[purchases_default_account_code], s.[sales_default_line_amount_type], s.[purchases_default_line_amount_type], s.[bills_payment_term_day], s.[bills_payment_term_type], s.[sales_payment_term_day], s.[sales_payment_term_type], s.[receivable_outstanding], s.[receivable_overdue], s.[payable_outstanding], s.[payable_overdue], s.[batch_payments_bank_account_number], s.[batch_payments_bank_account_name], s.[batch_payments_details], s.[merged_to_contact_id], s.[has_attachments], s.[updated_date_utc], s.[is_deleted], s.[_raw_json] COLLATE Latin1_General_100_BIN2 EXCEPT SELECT t.[contact_number], t.[account_number], t.[contact_status], t.[name], t.[first_name], t.[last_name], t.[email_address], t.[website], t.[bank_account_details], t.[tax_number], t.[company_number], t.[accounts_receivable_tax_type], t.[accounts_payable_tax_type], t.[is_supplier], t.[is_customer], t.[default_currency], t.[discount], t.[branding_theme_id], t.[sales_default_account_code], t.[purchases_default_account_code], t.[sales_default_line_amount_type], t.[purchases_default_line_amount_type], t.[bills_payment_term_day], t.[bills_payment_term_type], t.[sales_payment_term_day], t.[sales_payment_term_type], t.[receivable_outstanding], t.[receivable_overdue], t.[payable_outstanding], t.[payable_overdue], t.[batch_payments_bank_account_number], t.[batch_payments_bank_account_name], t.[batch_payments_details], t.[merged_to_contact_id], t.[has_attachments], t.[updated_date_utc], t.[is_deleted], t.[_raw_json] COLLATE Latin1_General_100_BIN2);
INSERT INTO #applied ([action], [tenant_id], [contact_id], [is_deleted], [was_deleted])
SELECT N'INSERT', s.[tenant_id], s.[contact_id], s.[is_deleted], NULL
FROM #stage AS s
WHERE NOT EXISTS (SELECT 1 FROM [xero].[contacts] AS t WITH (UPDLOCK, HOLDLOCK) WHERE t.[tenant_id] = s.[tenant_id] AND t.[contact_id] = s.[contact_id]);
UPDATE t SET
    [contact_number] = s.[contact_number],
    [account_number] = s.[account_number],
    [contact_status] = s.[contact_status],
    [name] = s.[name],
    [first_name] = s.[first_name],
    [last_name] = s.[last_name],
    [email_address] = s.[email_address],
    [website] = s.[website],
    [bank_account_details] = s.[bank_account_details],
    [tax_number] = s.[tax_number],
    [company_number] = s.[company_number],
    [accounts_receivable_tax_type] = s.[accounts_receivable_tax_type],
    [accounts_payable_tax_type] = s.[accounts_payable_tax_type],
    [is_supplier] = s.[is_supplier],
    [is_customer] = s.[is_customer],
    [default_currency] = s.[default_currency],
    [discount] = s.[discount],
    [branding_theme_id] = s.[branding_theme_id],
    [sales_default_account_code] = s.[sales_default_account_code],
    [purchases_default_account_code] = s.[purchases_default_account_code],
    [sales_default_line_amount_type] = s.[sales_default_line_amount_type],
    [purchases_default_line_amount_type] = s.[purchases_default_line_amount_type],
    [bills_payment_term_day] = s.[bills_payment_term_day],
    [bills_payment_term_type] = s.[bills_payment_term_type],
    [sales_payment_term_day] = s.[sales_payment_term_day],
    [sales_payment_term_type] = s.[sales_payment_term_type],
    [receivable_outstanding] = s.[receivable_outstanding],
    [receivable_overdue] = s.[receivable_overdue],
    [payable_outstanding] = s.[payable_outstanding],
    [payable_overdue] = s.[payable_overdue],
    [batch_payments_bank_account_number] = s.[batch_payments_bank_account_number],
    [batch_payments_bank_account_name] = s.[batch_payments_bank_account_name],
    [batch_payments_details] = s.[batch_payments_details],
    [merged_to_contact_id] = s.[merged_to_contact_id],
    [has_attachments] = s.[has_attachments],
    [updated_date_utc] = s.[updated_date_utc],
    [is_deleted] = s.[is_deleted],
    [_raw_json] = s.[_raw_json],
    [_loaded_at] = @loaded_at, [_run_id] = @run_id
FROM [xero].[contacts] AS t
JOIN #stage AS s ON t.[tenant_id] = s.[tenant_id] AND t.[contact_id] = s.[contact_id]
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[contact_id] = s.[contact_id] AND a.[action] = N'UPDATE';
INSERT INTO [xero].[contacts] ([tenant_id], [contact_id], [contact_number], [account_number], [contact_status], [name], [first_name], [last_name], [email_address], [website], [bank_account_details], [tax_number], [company_number], [accounts_receivable_tax_type], [accounts_payable_tax_type], [is_supplier], [is_customer], [default_currency], [discount], [branding_theme_id], [sales_default_account_code], [purchases_default_account_code], [sales_default_line_amount_type], [purchases_default_line_amount_type], [bills_payment_term_day], [bills_payment_term_type], [sales_payment_term_day], [sales_payment_term_type], [receivable_outstanding], [receivable_overdue], [payable_outstanding], [payable_overdue], [batch_payments_bank_account_number], [batch_payments_bank_account_name], [batch_payments_details], [merged_to_contact_id], [has_attachments], [updated_date_utc], [is_deleted], [_raw_json], [_loaded_at], [_run_id])
SELECT s.[tenant_id], s.[contact_id], s.[contact_number], s.[account_number], s.[contact_status], s.[name], s.[first_name], s.[last_name], s.[email_address], s.[website], s.[bank_account_details], s.[tax_number], s.[company_number], s.[accounts_receivable_tax_type], s.[accounts_payable_tax_type], s.[is_supplier], s.[is_customer], s.[default_currency], s.[discount], s.[branding_theme_id], s.[sales_default_account_code], s.[purchases_default_account_code], s.[sales_default_line_amount_type], s.[purchases_default_line_amount_type], s.[bills_payment_term_day], s.[bills_payment_term_type], s.[sales_payment_term_day], s.[sales_payment_term_type], s.[receivable_outstanding], s.[receivable_overdue], s.[payable_outstanding], s.[payable_overdue], s.[batch_payments_bank_account_number], s.[batch_payments_bank_account_name], s.[batch_payments_details], s.[merged_to_contact_id], s.[has_attachments], s.[updated_date_utc], s.[is_deleted], s.[_raw_json], @loaded_at, @run_id
FROM #stage AS s
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[contact_id] = s.[contact_id] AND a.[action] = N'INSERT';
