DECLARE @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
INSERT INTO #applied ([action], [tenant_id], [quote_id], [is_deleted], [was_deleted])
SELECT N'UPDATE', s.[tenant_id], s.[quote_id], s.[is_deleted], t.[is_deleted]
FROM #stage AS s
JOIN [xero].[quotes] AS t WITH (UPDLOCK, HOLDLOCK) ON t.[tenant_id] = s.[tenant_id] AND t.[quote_id] = s.[quote_id]
WHERE (s.[updated_date_utc] >= t.[updated_date_utc] OR s.[updated_date_utc] IS NULL OR t.[updated_date_utc] IS NULL OR t.[updated_date_utc] > DATEADD(SECOND, 300, @loaded_at)) AND EXISTS (SELECT s.[quote_number], s.[reference], s.[title], s.[summary], s.[terms], s.[status], s.[contact_id], s.[contact_name], s.[date], s.[expiry_date], s.[line_amount_types], s.[currency_code], s.[currency_rate], s.[sub_total], s.[total_tax], s.[total], s.[total_discount], s.[branding_theme_id], s.[updated_date_utc], s.[is_deleted], s.[_raw_json] COLLATE Latin1_General_100_BIN2 EXCEPT SELECT t.[quote_number], t.[reference], t.[title], t.[summary], t.[terms], t.[status], t.[contact_id], t.[contact_name], t.[date], t.[expiry_date], t.[line_amount_types], t.[currency_code], t.[currency_rate], t.[sub_total], t.[total_tax], t.[total], t.[total_discount], t.[branding_theme_id], t.[updated_date_utc], t.[is_deleted], t.[_raw_json] COLLATE Latin1_General_100_BIN2);
INSERT INTO #applied ([action], [tenant_id], [quote_id], [is_deleted], [was_deleted])
SELECT N'INSERT', s.[tenant_id], s.[quote_id], s.[is_deleted], NULL
FROM #stage AS s
WHERE NOT EXISTS (SELECT 1 FROM [xero].[quotes] AS t WITH (UPDLOCK, HOLDLOCK) WHERE t.[tenant_id] = s.[tenant_id] AND t.[quote_id] = s.[quote_id]);
UPDATE t SET
    [quote_number] = s.[quote_number],
    [reference] = s.[reference],
    [title] = s.[title],
    [summary] = s.[summary],
    [terms] = s.[terms],
    [status] = s.[status],
    [contact_id] = s.[contact_id],
    [contact_name] = s.[contact_name],
    [date] = s.[date],
    [expiry_date] = s.[expiry_date],
    [line_amount_types] = s.[line_amount_types],
    [currency_code] = s.[currency_code],
    [currency_rate] = s.[currency_rate],
    [sub_total] = s.[sub_total],
    [total_tax] = s.[total_tax],
    [total] = s.[total],
    [total_discount] = s.[total_discount],
    [branding_theme_id] = s.[branding_theme_id],
    [updated_date_utc] = s.[updated_date_utc],
    [is_deleted] = s.[is_deleted],
    [_raw_json] = s.[_raw_json],
    [_loaded_at] = @loaded_at, [_run_id] = @run_id
FROM [xero].[quotes] AS t
JOIN #stage AS s ON t.[tenant_id] = s.[tenant_id] AND t.[quote_id] = s.[quote_id]
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[quote_id] = s.[quote_id] AND a.[action] = N'UPDATE';
INSERT INTO [xero].[quotes] ([tenant_id], [quote_id], [quote_number], [reference], [title], [summary], [terms], [status], [contact_id], [contact_name], [date], [expiry_date], [line_amount_types], [currency_code], [currency_rate], [sub_total], [total_tax], [total], [total_discount], [branding_theme_id], [updated_date_utc], [is_deleted], [_raw_json], [_loaded_at], [_run_id])
SELECT s.[tenant_id], s.[quote_id], s.[quote_number], s.[reference], s.[title], s.[summary], s.[terms], s.[status], s.[contact_id], s.[contact_name], s.[date], s.[expiry_date], s.[line_amount_types], s.[currency_code], s.[currency_rate], s.[sub_total], s.[total_tax], s.[total], s.[total_discount], s.[branding_theme_id], s.[updated_date_utc], s.[is_deleted], s.[_raw_json], @loaded_at, @run_id
FROM #stage AS s
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[quote_id] = s.[quote_id] AND a.[action] = N'INSERT';
