DECLARE @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
INSERT INTO #applied ([action], [tenant_id], [journal_id], [is_deleted], [was_deleted])
SELECT N'UPDATE', s.[tenant_id], s.[journal_id], s.[is_deleted], t.[is_deleted]
FROM #stage AS s
JOIN [xero].[journals] AS t WITH (UPDLOCK, HOLDLOCK) ON t.[tenant_id] = s.[tenant_id] AND t.[journal_id] = s.[journal_id]
WHERE (s.[created_date_utc] >= t.[created_date_utc] OR s.[created_date_utc] IS NULL OR t.[created_date_utc] IS NULL OR t.[created_date_utc] > DATEADD(SECOND, 300, @loaded_at)) AND EXISTS (SELECT s.[journal_number], s.[journal_date], s.[created_date_utc], s.[reference], s.[source_id], s.[source_type], s.[is_deleted], s.[_raw_json] COLLATE Latin1_General_100_BIN2 EXCEPT SELECT t.[journal_number], t.[journal_date], t.[created_date_utc], t.[reference], t.[source_id], t.[source_type], t.[is_deleted], t.[_raw_json] COLLATE Latin1_General_100_BIN2);
INSERT INTO #applied ([action], [tenant_id], [journal_id], [is_deleted], [was_deleted])
SELECT N'INSERT', s.[tenant_id], s.[journal_id], s.[is_deleted], NULL
FROM #stage AS s
WHERE NOT EXISTS (SELECT 1 FROM [xero].[journals] AS t WITH (UPDLOCK, HOLDLOCK) WHERE t.[tenant_id] = s.[tenant_id] AND t.[journal_id] = s.[journal_id]);
UPDATE t SET
    [journal_number] = s.[journal_number],
    [journal_date] = s.[journal_date],
    [created_date_utc] = s.[created_date_utc],
    [reference] = s.[reference],
    [source_id] = s.[source_id],
    [source_type] = s.[source_type],
    [is_deleted] = s.[is_deleted],
    [_raw_json] = s.[_raw_json],
    [_loaded_at] = @loaded_at, [_run_id] = @run_id
FROM [xero].[journals] AS t
JOIN #stage AS s ON t.[tenant_id] = s.[tenant_id] AND t.[journal_id] = s.[journal_id]
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[journal_id] = s.[journal_id] AND a.[action] = N'UPDATE';
INSERT INTO [xero].[journals] ([tenant_id], [journal_id], [journal_number], [journal_date], [created_date_utc], [reference], [source_id], [source_type], [is_deleted], [_raw_json], [_loaded_at], [_run_id])
SELECT s.[tenant_id], s.[journal_id], s.[journal_number], s.[journal_date], s.[created_date_utc], s.[reference], s.[source_id], s.[source_type], s.[is_deleted], s.[_raw_json], @loaded_at, @run_id
FROM #stage AS s
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[journal_id] = s.[journal_id] AND a.[action] = N'INSERT';
