DECLARE @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
INSERT INTO #applied ([action], [tenant_id], [repeating_invoice_id], [is_deleted], [was_deleted])
SELECT N'UPDATE', s.[tenant_id], s.[repeating_invoice_id], s.[is_deleted], t.[is_deleted]
FROM #stage AS s
JOIN [xero].[repeating_invoices] AS t WITH (UPDLOCK, HOLDLOCK) ON t.[tenant_id] = s.[tenant_id] AND t.[repeating_invoice_id] = s.[repeating_invoice_id]
WHERE EXISTS (SELECT s.[type], s.[status], s.[contact_id], s.[contact_name], s.[reference], s.[branding_theme_id], s.[line_amount_types], s.[currency_code], s.[sub_total], s.[total_tax], s.[total], s.[schedule_period], s.[schedule_unit], s.[schedule_due_date], s.[schedule_due_date_type], s.[schedule_start_date], s.[schedule_next_scheduled_date], s.[schedule_end_date], s.[approved_for_sending], s.[send_copy], s.[mark_as_sent], s.[include_pdf], s.[has_attachments], s.[is_deleted], s.[_raw_json] COLLATE Latin1_General_100_BIN2 EXCEPT SELECT t.[type], t.[status], t.[contact_id], t.[contact_name], t.[reference], t.[branding_theme_id], t.[line_amount_types], t.[currency_code], t.[sub_total], t.[total_tax], t.[total], t.[schedule_period], t.[schedule_unit], t.[schedule_due_date], t.[schedule_due_date_type], t.[schedule_start_date], t.[schedule_next_scheduled_date], t.[schedule_end_date], t.[approved_for_sending], t.[send_copy], t.[mark_as_sent], t.[include_pdf], t.[has_attachments], t.[is_deleted], t.[_raw_json] COLLATE Latin1_General_100_BIN2);
INSERT INTO #applied ([action], [tenant_id], [repeating_invoice_id], [is_deleted], [was_deleted])
SELECT N'INSERT', s.[tenant_id], s.[repeating_invoice_id], s.[is_deleted], NULL
FROM #stage AS s
WHERE NOT EXISTS (SELECT 1 FROM [xero].[repeating_invoices] AS t WITH (UPDLOCK, HOLDLOCK) WHERE t.[tenant_id] = s.[tenant_id] AND t.[repeating_invoice_id] = s.[repeating_invoice_id]);
UPDATE t SET
    [type] = s.[type],
    [status] = s.[status],
    [contact_id] = s.[contact_id],
    [contact_name] = s.[contact_name],
    [reference] = s.[reference],
    [branding_theme_id] = s.[branding_theme_id],
    [line_amount_types] = s.[line_amount_types],
    [currency_code] = s.[currency_code],
    [sub_total] = s.[sub_total],
    [total_tax] = s.[total_tax],
    [total] = s.[total],
    [schedule_period] = s.[schedule_period],
    [schedule_unit] = s.[schedule_unit],
    [schedule_due_date] = s.[schedule_due_date],
    [schedule_due_date_type] = s.[schedule_due_date_type],
    [schedule_start_date] = s.[schedule_start_date],
    [schedule_next_scheduled_date] = s.[schedule_next_scheduled_date],
    [schedule_end_date] = s.[schedule_end_date],
    [approved_for_sending] = s.[approved_for_sending],
    [send_copy] = s.[send_copy],
    [mark_as_sent] = s.[mark_as_sent],
    [include_pdf] = s.[include_pdf],
    [has_attachments] = s.[has_attachments],
    [is_deleted] = s.[is_deleted],
    [_raw_json] = s.[_raw_json],
    [_loaded_at] = @loaded_at, [_run_id] = @run_id
FROM [xero].[repeating_invoices] AS t
JOIN #stage AS s ON t.[tenant_id] = s.[tenant_id] AND t.[repeating_invoice_id] = s.[repeating_invoice_id]
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[repeating_invoice_id] = s.[repeating_invoice_id] AND a.[action] = N'UPDATE';
INSERT INTO [xero].[repeating_invoices] ([tenant_id], [repeating_invoice_id], [type], [status], [contact_id], [contact_name], [reference], [branding_theme_id], [line_amount_types], [currency_code], [sub_total], [total_tax], [total], [schedule_period], [schedule_unit], [schedule_due_date], [schedule_due_date_type], [schedule_start_date], [schedule_next_scheduled_date], [schedule_end_date], [approved_for_sending], [send_copy], [mark_as_sent], [include_pdf], [has_attachments], [is_deleted], [_raw_json], [_loaded_at], [_run_id])
SELECT s.[tenant_id], s.[repeating_invoice_id], s.[type], s.[status], s.[contact_id], s.[contact_name], s.[reference], s.[branding_theme_id], s.[line_amount_types], s.[currency_code], s.[sub_total], s.[total_tax], s.[total], s.[schedule_period], s.[schedule_unit], s.[schedule_due_date], s.[schedule_due_date_type], s.[schedule_start_date], s.[schedule_next_scheduled_date], s.[schedule_end_date], s.[approved_for_sending], s.[send_copy], s.[mark_as_sent], s.[include_pdf], s.[has_attachments], s.[is_deleted], s.[_raw_json], @loaded_at, @run_id
FROM #stage AS s
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[repeating_invoice_id] = s.[repeating_invoice_id] AND a.[action] = N'INSERT';
