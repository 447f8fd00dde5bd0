DECLARE @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
INSERT INTO #applied ([action], [tenant_id], [tracking_category_id], [is_deleted], [was_deleted])
SELECT N'UPDATE', s.[tenant_id], s.[tracking_category_id], s.[is_deleted], t.[is_deleted]
FROM #stage AS s
JOIN [xero].[tracking_categories] AS t WITH (UPDLOCK, HOLDLOCK) ON t.[tenant_id] = s.[tenant_id] AND t.[tracking_category_id] = s.[tracking_category_id]
WHERE EXISTS (SELECT s.[name], s.[status], s.[is_deleted], s.[_raw_json] COLLATE Latin1_General_100_BIN2 EXCEPT SELECT t.[name], t.[status], t.[is_deleted], t.[_raw_json] COLLATE Latin1_General_100_BIN2);
INSERT INTO #applied ([action], [tenant_id], [tracking_category_id], [is_deleted], [was_deleted])
SELECT N'INSERT', s.[tenant_id], s.[tracking_category_id], s.[is_deleted], NULL
FROM #stage AS s
WHERE NOT EXISTS (SELECT 1 FROM [xero].[tracking_categories] AS t WITH (UPDLOCK, HOLDLOCK) WHERE t.[tenant_id] = s.[tenant_id] AND t.[tracking_category_id] = s.[tracking_category_id]);
UPDATE t SET
    [name] = s.[name],
    [status] = s.[status],
    [is_deleted] = s.[is_deleted],
    [_raw_json] = s.[_raw_json],
    [_loaded_at] = @loaded_at, [_run_id] = @run_id
FROM [xero].[tracking_categories] AS t
JOIN #stage AS s ON t.[tenant_id] = s.[tenant_id] AND t.[tracking_category_id] = s.[tracking_category_id]
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[tracking_category_id] = s.[tracking_category_id] AND a.[action] = N'UPDATE';
INSERT INTO [xero].[tracking_categories] ([tenant_id], [tracking_category_id], [name], [status], [is_deleted], [_raw_json], [_loaded_at], [_run_id])
SELECT s.[tenant_id], s.[tracking_category_id], s.[name], s.[status], s.[is_deleted], s.[_raw_json], @loaded_at, @run_id
FROM #stage AS s
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[tracking_category_id] = s.[tracking_category_id] AND a.[action] = N'INSERT';
