DECLARE @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
INSERT INTO #applied ([action], [tenant_id], [branding_theme_id], [is_deleted], [was_deleted])
SELECT N'UPDATE', s.[tenant_id], s.[branding_theme_id], s.[is_deleted], t.[is_deleted]
FROM #stage AS s
JOIN [xero].[branding_themes] AS t WITH (UPDLOCK, HOLDLOCK) ON t.[tenant_id] = s.[tenant_id] AND t.[branding_theme_id] = s.[branding_theme_id]
WHERE EXISTS (SELECT s.[name], s.[type], s.[sort_order], s.[logo_url], s.[created_date_utc], s.[is_deleted], s.[_raw_json] COLLATE Latin1_General_100_BIN2 EXCEPT SELECT t.[name], t.[type], t.[sort_order], t.[logo_url], t.[created_date_utc], t.[is_deleted], t.[_raw_json] COLLATE Latin1_General_100_BIN2);
INSERT INTO #applied ([action], [tenant_id], [branding_theme_id], [is_deleted], [was_deleted])
SELECT N'INSERT', s.[tenant_id], s.[branding_theme_id], s.[is_deleted], NULL
FROM #stage AS s
WHERE NOT EXISTS (SELECT 1 FROM [xero].[branding_themes] AS t WITH (UPDLOCK, HOLDLOCK) WHERE t.[tenant_id] = s.[tenant_id] AND t.[branding_theme_id] = s.[branding_theme_id]);
UPDATE t SET
    [name] = s.[name],
    [type] = s.[type],
    [sort_order] = s.[sort_order],
    [logo_url] = s.[logo_url],
    [created_date_utc] = s.[created_date_utc],
    [is_deleted] = s.[is_deleted],
    [_raw_json] = s.[_raw_json],
    [_loaded_at] = @loaded_at, [_run_id] = @run_id
FROM [xero].[branding_themes] AS t
JOIN #stage AS s ON t.[tenant_id] = s.[tenant_id] AND t.[branding_theme_id] = s.[branding_theme_id]
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[branding_theme_id] = s.[branding_theme_id] AND a.[action] = N'UPDATE';
INSERT INTO [xero].[branding_themes] ([tenant_id], [branding_theme_id], [name], [type], [sort_order], [logo_url], [created_date_utc], [is_deleted], [_raw_json], [_loaded_at], [_run_id])
SELECT s.[tenant_id], s.[branding_theme_id], s.[name], s.[type], s.[sort_order], s.[logo_url], s.[created_date_utc], s.[is_deleted], s.[_raw_json], @loaded_at, @run_id
FROM #stage AS s
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[branding_theme_id] = s.[branding_theme_id] AND a.[action] = N'INSERT';
