DECLARE @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
INSERT INTO #applied ([action], [tenant_id], [code], [is_deleted], [was_deleted])
SELECT N'UPDATE', s.[tenant_id], s.[code], s.[is_deleted], t.[is_deleted]
FROM #stage AS s
JOIN [xero].[currencies] AS t WITH (UPDLOCK, HOLDLOCK) ON t.[tenant_id] = s.[tenant_id] AND t.[code] = s.[code]
WHERE EXISTS (SELECT s.[description], s.[is_deleted], s.[_raw_json] COLLATE Latin1_General_100_BIN2 EXCEPT SELECT t.[description], t.[is_deleted], t.[_raw_json] COLLATE Latin1_General_100_BIN2);
INSERT INTO #applied ([action], [tenant_id], [code], [is_deleted], [was_deleted])
SELECT N'INSERT', s.[tenant_id], s.[code], s.[is_deleted], NULL
FROM #stage AS s
WHERE NOT EXISTS (SELECT 1 FROM [xero].[currencies] AS t WITH (UPDLOCK, HOLDLOCK) WHERE t.[tenant_id] = s.[tenant_id] AND t.[code] = s.[code]);
UPDATE t SET
    [description] = s.[description],
    [is_deleted] = s.[is_deleted],
    [_raw_json] = s.[_raw_json],
    [_loaded_at] = @loaded_at, [_run_id] = @run_id
FROM [xero].[currencies] AS t
JOIN #stage AS s ON t.[tenant_id] = s.[tenant_id] AND t.[code] = s.[code]
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[code] = s.[code] AND a.[action] = N'UPDATE';
INSERT INTO [xero].[currencies] ([tenant_id], [code], [description], [is_deleted], [_raw_json], [_loaded_at], [_run_id])
SELECT s.[tenant_id], s.[code], s.[description], s.[is_deleted], s.[_raw_json], @loaded_at, @run_id
FROM #stage AS s
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[code] = s.[code] AND a.[action] = N'INSERT';
