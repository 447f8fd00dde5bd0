DECLARE @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
INSERT INTO #applied ([action], [tenant_id], [invoice_id], [is_deleted], [was_deleted])
SELECT N'UPDATE', s.[tenant_id], s.[invoice_id], s.[is_deleted], t.[is_deleted]
FROM #stage AS s
JOIN [xero].[invoices] AS t WITH (UPDLOCK, HOLDLOCK) ON t.[tenant_id] = s.[tenant_id] AND t.[invoice_id] = s.[invoice_id]
WHERE (s.[updated_date_utc] >= t.[updated_date_utc] OR s.[updated_date_utc] IS NULL OR t.[updated_date_utc] IS NULL OR t.[updated_date_utc] > DATEADD(SECOND, 300, @loaded_at)) AND EXISTS (SELECT s.[type], s.[invoice_number], s.[reference], s.[contact_id], s.[contact_name], s.[status], s.[line_amount_types], s.[date], s.[due_date], s.[expected_payment_date], s.[planned_payment_date], s.[fully_paid_on_date], s.[currency_code], s.[currency_rate], s.[sub_total], s.[total_tax], s.[total], s.[total_discount], s.[amount_due], s.[amount_paid], s.[amount_credited], s.[branding_theme_id], s.[repeating_invoice_id], s.[sent_to_contact], s.[is_discounted], s.[has_attachments], s.[url], s.[updated_date_utc], s.[is_deleted], s.[_raw_json] COLLATE Latin1_General_100_BIN2 EXCEPT SELECT t.[type], t.[invoice_number], t.[reference], t.[contact_id], t.[contact_name], t.[status], t.[line_amount_types], t.[date], t.[due_date], t.[expected_payment_date], t.[planned_payment_date], t.[fully_paid_on_date], t.[currency_code], t.[currency_rate], t.[sub_total], t.[total_tax], t.[total], t.[total_discount], t.[amount_due], t.[amount_paid], t.[amount_credited], t.[branding_theme_id], t.[repeating_invoice_id], t.[sent_to_contact], t.[is_discounted], t.[has_attachments], t.[url], t.[updated_date_utc], t.[is_deleted], t.[_raw_json] COLLATE Latin1_General_100_BIN2);
INSERT INTO #applied ([action], [tenant_id], [invoice_id], [is_deleted], [was_deleted])
SELECT N'INSERT', s.[tenant_id], s.[invoice_id], s.[is_deleted], NULL
FROM #stage AS s
WHERE NOT EXISTS (SELECT 1 FROM [xero].[invoices] AS t WITH (UPDLOCK, HOLDLOCK) WHERE t.[tenant_id] = s.[tenant_id] AND t.[invoice_id] = s.[invoice_id]);
UPDATE t SET
    [type] = s.[type],
    [invoice_number] = s.[invoice_number],
    [reference] = s.[reference],
    [contact_id] = s.[contact_id],
    [contact_name] = s.[contact_name],
    [status] = s.[status],
    [line_amount_types] = s.[line_amount_types],
    [date] = s.[date],
    [due_date] = s.[due_date],
    [expected_payment_date] = s.[expected_payment_date],
    [planned_payment_date] = s.[planned_payment_date],
    [fully_paid_on_date] = s.[fully_paid_on_date],
    [currency_code] = s.[currency_code],
    [currency_rate] = s.[currency_rate],
    [sub_total] = s.[sub_total],
    [total_tax] = s.[total_tax],
    [total] = s.[total],
    [total_discount] = s.[total_discount],
    [amount_due] = s.[amount_due],
    [amount_paid] = s.[amount_paid],
    [amount_credited] = s.[amount_credited],
    [branding_theme_id] = s.[branding_theme_id],
    [repeating_invoice_id] = s.[repeating_invoice_id],
    [sent_to_contact] = s.[sent_to_contact],
    [is_discounted] = s.[is_discounted],
    [has_attachments] = s.[has_attachments],
    [url] = s.[url],
    [updated_date_utc] = s.[updated_date_utc],
    [is_deleted] = s.[is_deleted],
    [_raw_json] = s.[_raw_json],
    [_loaded_at] = @loaded_at, [_run_id] = @run_id
FROM [xero].[invoices] AS t
JOIN #stage AS s ON t.[tenant_id] = s.[tenant_id] AND t.[invoice_id] = s.[invoice_id]
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[invoice_id] = s.[invoice_id] AND a.[action] = N'UPDATE';
INSERT INTO [xero].[invoices] ([tenant_id], [invoice_id], [type], [invoice_number], [reference], [contact_id], [contact_name], [status], [line_amount_types], [date], [due_date], [expected_payment_date], [planned_payment_date], [fully_paid_on_date], [currency_code], [currency_rate], [sub_total], [total_tax], [total], [total_discount], [amount_due], [amount_paid], [amount_credited], [branding_theme_id], [repeating_invoice_id], [sent_to_contact], [is_discounted], [has_attachments], [url], [updated_date_utc], [is_deleted], [_raw_json], [_loaded_at], [_run_id])
SELECT s.[tenant_id], s.[invoice_id], s.[type], s.[invoice_number], s.[reference], s.[contact_id], s.[contact_name], s.[status], s.[line_amount_types], s.[date], s.[due_date], s.[expected_payment_date], s.[planned_payment_date], s.[fully_paid_on_date], s.[currency_code], s.[currency_rate], s.[sub_total], s.[total_tax], s.[total], s.[total_discount], s.[amount_due], s.[amount_paid], s.[amount_credited], s.[branding_theme_id], s.[repeating_invoice_id], s.[sent_to_contact], s.[is_discounted], s.[has_attachments], s.[url], s.[updated_date_utc], s.[is_deleted], s.[_raw_json], @loaded_at, @run_id
FROM #stage AS s
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[invoice_id] = s.[invoice_id] AND a.[action] = N'INSERT';
