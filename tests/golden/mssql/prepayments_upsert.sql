DECLARE @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
INSERT INTO #applied ([action], [tenant_id], [prepayment_id], [is_deleted], [was_deleted])
SELECT N'UPDATE', s.[tenant_id], s.[prepayment_id], s.[is_deleted], t.[is_deleted]
FROM #stage AS s
JOIN [xero].[prepayments] AS t WITH (UPDLOCK, HOLDLOCK) ON t.[tenant_id] = s.[tenant_id] AND t.[prepayment_id] = s.[prepayment_id]
WHERE (s.[updated_date_utc] >= t.[updated_date_utc] OR s.[updated_date_utc] IS NULL OR t.[updated_date_utc] IS NULL OR t.[updated_date_utc] > DATEADD(SECOND, 300, @loaded_at)) AND EXISTS (SELECT s.[type], s.[status], s.[contact_id], s.[contact_name], s.[date], s.[reference], s.[line_amount_types], s.[currency_code], s.[currency_rate], s.[sub_total], s.[total_tax], s.[total], s.[remaining_credit], s.[has_attachments], s.[updated_date_utc], s.[is_deleted], s.[_raw_json] COLLATE Latin1_General_100_BIN2 EXCEPT SELECT t.[type], t.[status], t.[contact_id], t.[contact_name], t.[date], t.[reference], t.[line_amount_types], t.[currency_code], t.[currency_rate], t.[sub_total], t.[total_tax], t.[total], t.[remaining_credit], t.[has_attachments], t.[updated_date_utc], t.[is_deleted], t.[_raw_json] COLLATE Latin1_General_100_BIN2);
INSERT INTO #applied ([action], [tenant_id], [prepayment_id], [is_deleted], [was_deleted])
SELECT N'INSERT', s.[tenant_id], s.[prepayment_id], s.[is_deleted], NULL
FROM #stage AS s
WHERE NOT EXISTS (SELECT 1 FROM [xero].[prepayments] AS t WITH (UPDLOCK, HOLDLOCK) WHERE t.[tenant_id] = s.[tenant_id] AND t.[prepayment_id] = s.[prepayment_id]);
UPDATE t SET
    [type] = s.[type],
    [status] = s.[status],
    [contact_id] = s.[contact_id],
    [contact_name] = s.[contact_name],
    [date] = s.[date],
    [reference] = s.[reference],
    [line_amount_types] = s.[line_amount_types],
    [currency_code] = s.[currency_code],
    [currency_rate] = s.[currency_rate],
    [sub_total] = s.[sub_total],
    [total_tax] = s.[total_tax],
    [total] = s.[total],
    [remaining_credit] = s.[remaining_credit],
    [has_attachments] = s.[has_attachments],
    [updated_date_utc] = s.[updated_date_utc],
    [is_deleted] = s.[is_deleted],
    [_raw_json] = s.[_raw_json],
    [_loaded_at] = @loaded_at, [_run_id] = @run_id
FROM [xero].[prepayments] AS t
JOIN #stage AS s ON t.[tenant_id] = s.[tenant_id] AND t.[prepayment_id] = s.[prepayment_id]
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[prepayment_id] = s.[prepayment_id] AND a.[action] = N'UPDATE';
INSERT INTO [xero].[prepayments] ([tenant_id], [prepayment_id], [type], [status], [contact_id], [contact_name], [date], [reference], [line_amount_types], [currency_code], [currency_rate], [sub_total], [total_tax], [total], [remaining_credit], [has_attachments], [updated_date_utc], [is_deleted], [_raw_json], [_loaded_at], [_run_id])
SELECT s.[tenant_id], s.[prepayment_id], s.[type], s.[status], s.[contact_id], s.[contact_name], s.[date], s.[reference], s.[line_amount_types], s.[currency_code], s.[currency_rate], s.[sub_total], s.[total_tax], s.[total], s.[remaining_credit], s.[has_attachments], s.[updated_date_utc], s.[is_deleted], s.[_raw_json], @loaded_at, @run_id
FROM #stage AS s
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[prepayment_id] = s.[prepayment_id] AND a.[action] = N'INSERT';
