DECLARE @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
MERGE INTO [xero].[branding_themes] WITH (HOLDLOCK) AS t
USING #stage AS s
ON t.[tenant_id] = s.[tenant_id] AND t.[branding_theme_id] = s.[branding_theme_id]
WHEN MATCHED AND EXISTS (SELECT s.[name], s.[type], s.[sort_order], s.[logo_url], s.[created_date_utc], s.[is_deleted], s.[_raw_json] COLLATE Latin1_General_100_BIN2 EXCEPT SELECT t.[name], t.[type], t.[sort_order], t.[logo_url], t.[created_date_utc], t.[is_deleted], t.[_raw_json] COLLATE Latin1_General_100_BIN2) THEN
    UPDATE SET [name] = s.[name], [type] = s.[type], [sort_order] = s.[sort_order], [logo_url] = s.[logo_url], [created_date_utc] = s.[created_date_utc], [is_deleted] = s.[is_deleted], [_raw_json] = s.[_raw_json], [_loaded_at] = @loaded_at, [_run_id] = @run_id
WHEN NOT MATCHED BY TARGET THEN
    INSERT ([tenant_id], [branding_theme_id], [name], [type], [sort_order], [logo_url], [created_date_utc], [is_deleted], [_raw_json], [_loaded_at], [_run_id])
    VALUES (s.[tenant_id], s.[branding_theme_id], s.[name], s.[type], s.[sort_order], s.[logo_url], s.[created_date_utc], s.[is_deleted], s.[_raw_json], @loaded_at, @run_id)
OUTPUT $action, inserted.[tenant_id], inserted.[branding_theme_id], inserted.[is_deleted], deleted.[is_deleted] INTO #applied;
