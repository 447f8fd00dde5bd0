DECLARE @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
INSERT INTO #applied ([action], [tenant_id], [manual_journal_id], [is_deleted], [was_deleted])
SELECT N'UPDATE', s.[tenant_id], s.[manual_journal_id], s.[is_deleted], t.[is_deleted]
FROM #stage AS s
JOIN [xero].[manual_journals] AS t WITH (UPDLOCK, HOLDLOCK) ON t.[tenant_id] = s.[tenant_id] AND t.[manual_journal_id] = s.[manual_journal_id]
WHERE (s.[updated_date_utc] >= t.[updated_date_utc] OR s.[updated_date_utc] IS NULL OR t.[updated_date_utc] IS NULL OR t.[updated_date_utc] > DATEADD(SECOND, 300, @loaded_at)) AND EXISTS (SELECT s.[narration], s.[date], s.[status], s.[line_amount_types], s.[show_on_cash_basis_reports], s.[has_attachments], s.[updated_date_utc], s.[is_deleted], s.[_raw_json] COLLATE Latin1_General_100_BIN2 EXCEPT SELECT t.[narration], t.[date], t.[status], t.[line_amount_types], t.[show_on_cash_basis_reports], t.[has_attachments], t.[updated_date_utc], t.[is_deleted], t.[_raw_json] COLLATE Latin1_General_100_BIN2);
INSERT INTO #applied ([action], [tenant_id], [manual_journal_id], [is_deleted], [was_deleted])
SELECT N'INSERT', s.[tenant_id], s.[manual_journal_id], s.[is_deleted], NULL
FROM #stage AS s
WHERE NOT EXISTS (SELECT 1 FROM [xero].[manual_journals] AS t WITH (UPDLOCK, HOLDLOCK) WHERE t.[tenant_id] = s.[tenant_id] AND t.[manual_journal_id] = s.[manual_journal_id]);
UPDATE t SET
    [narration] = s.[narration],
    [date] = s.[date],
    [status] = s.[status],
    [line_amount_types] = s.[line_amount_types],
    [show_on_cash_basis_reports] = s.[show_on_cash_basis_reports],
    [has_attachments] = s.[has_attachments],
    [updated_date_utc] = s.[updated_date_utc],
    [is_deleted] = s.[is_deleted],
    [_raw_json] = s.[_raw_json],
    [_loaded_at] = @loaded_at, [_run_id] = @run_id
FROM [xero].[manual_journals] AS t
JOIN #stage AS s ON t.[tenant_id] = s.[tenant_id] AND t.[manual_journal_id] = s.[manual_journal_id]
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[manual_journal_id] = s.[manual_journal_id] AND a.[action] = N'UPDATE';
INSERT INTO [xero].[manual_journals] ([tenant_id], [manual_journal_id], [narration], [date], [status], [line_amount_types], [show_on_cash_basis_reports], [has_attachments], [updated_date_utc], [is_deleted], [_raw_json], [_loaded_at], [_run_id])
SELECT s.[tenant_id], s.[manual_journal_id], s.[narration], s.[date], s.[status], s.[line_amount_types], s.[show_on_cash_basis_reports], s.[has_attachments], s.[updated_date_utc], s.[is_deleted], s.[_raw_json], @loaded_at, @run_id
FROM #stage AS s
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[manual_journal_id] = s.[manual_journal_id] AND a.[action] = N'INSERT';
