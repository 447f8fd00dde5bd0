DECLARE @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
INSERT INTO #applied ([action], [tenant_id], [credit_note_id], [is_deleted], [was_deleted])
SELECT N'UPDATE', s.[tenant_id], s.[credit_note_id], s.[is_deleted], t.[is_deleted]
FROM #stage AS s
JOIN [xero].[credit_notes] AS t WITH (UPDLOCK, HOLDLOCK) ON t.[tenant_id] = s.[tenant_id] AND t.[credit_note_id] = s.[credit_note_id]
WHERE (s.[updated_date_utc] >= t.[updated_date_utc] OR s.[updated_date_utc] IS NULL OR t.[updated_date_utc] IS NULL OR t.[updated_date_utc] > DATEADD(SECOND, 300, @loaded_at)) AND EXISTS (SELECT s.[type], s.[credit_note_number], s.[reference], s.[contact_id], s.[contact_name], s.[status], s.[line_amount_types], s.[date], s.[fully_paid_on_date], s.[currency_code], s.[currency_rate], s.[sub_total], s.[total_tax], s.[total], s.[remaining_credit], s.[sent_to_contact], s.[has_attachments], s.[updated_date_utc], s.[is_deleted], s.[_raw_json] COLLATE Latin1_General_100_BIN2 EXCEPT SELECT t.[type], t.[credit_note_number], t.[reference], t.[contact_id], t.[contact_name], t.[status], t.[line_amount_types], t.[date], t.[fully_paid_on_date], t.[currency_code], t.[currency_rate], t.[sub_total], t.[total_tax], t.[total], t.[remaining_credit], t.[sent_to_contact], t.[has_attachments], t.[updated_date_utc], t.[is_deleted], t.[_raw_json] COLLATE Latin1_General_100_BIN2);
INSERT INTO #applied ([action], [tenant_id], [credit_note_id], [is_deleted], [was_deleted])
SELECT N'INSERT', s.[tenant_id], s.[credit_note_id], s.[is_deleted], NULL
FROM #stage AS s
WHERE NOT EXISTS (SELECT 1 FROM [xero].[credit_notes] AS t WITH (UPDLOCK, HOLDLOCK) WHERE t.[tenant_id] = s.[tenant_id] AND t.[credit_note_id] = s.[credit_note_id]);
UPDATE t SET
    [type] = s.[type],
    [credit_note_number] = s.[credit_note_number],
    [reference] = s.[reference],
    [contact_id] = s.[contact_id],
    [contact_name] = s.[contact_name],
    [status] = s.[status],
    [line_amount_types] = s.[line_amount_types],
    [date] = s.[date],
    [fully_paid_on_date] = s.[fully_paid_on_date],
    [currency_code] = s.[currency_code],
    [currency_rate] = s.[currency_rate],
    [sub_total] = s.[sub_total],
    [total_tax] = s.[total_tax],
    [total] = s.[total],
    [remaining_credit] = s.[remaining_credit],
    [sent_to_contact] = s.[sent_to_contact],
    [has_attachments] = s.[has_attachments],
    [updated_date_utc] = s.[updated_date_utc],
    [is_deleted] = s.[is_deleted],
    [_raw_json] = s.[_raw_json],
    [_loaded_at] = @loaded_at, [_run_id] = @run_id
FROM [xero].[credit_notes] AS t
JOIN #stage AS s ON t.[tenant_id] = s.[tenant_id] AND t.[credit_note_id] = s.[credit_note_id]
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[credit_note_id] = s.[credit_note_id] AND a.[action] = N'UPDATE';
INSERT INTO [xero].[credit_notes] ([tenant_id], [credit_note_id], [type], [credit_note_number], [reference], [contact_id], [contact_name], [status], [line_amount_types], [date], [fully_paid_on_date], [currency_code], [currency_rate], [sub_total], [total_tax], [total], [remaining_credit], [sent_to_contact], [has_attachments], [updated_date_utc], [is_deleted], [_raw_json], [_loaded_at], [_run_id])
SELECT s.[tenant_id], s.[credit_note_id], s.[type], s.[credit_note_number], s.[reference], s.[contact_id], s.[contact_name], s.[status], s.[line_amount_types], s.[date], s.[fully_paid_on_date], s.[currency_code], s.[currency_rate], s.[sub_total], s.[total_tax], s.[total], s.[remaining_credit], s.[sent_to_contact], s.[has_attachments], s.[updated_date_utc], s.[is_deleted], s.[_raw_json], @loaded_at, @run_id
FROM #stage AS s
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[credit_note_id] = s.[credit_note_id] AND a.[action] = N'INSERT';
