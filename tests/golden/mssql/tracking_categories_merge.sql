DECLARE @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
MERGE INTO [xero].[tracking_categories] WITH (HOLDLOCK) AS t
USING #stage AS s
ON t.[tenant_id] = s.[tenant_id] AND t.[tracking_category_id] = s.[tracking_category_id]
WHEN MATCHED AND EXISTS (SELECT s.[name], s.[status], s.[is_deleted], s.[_raw_json] COLLATE Latin1_General_100_BIN2 EXCEPT SELECT t.[name], t.[status], t.[is_deleted], t.[_raw_json] COLLATE Latin1_General_100_BIN2) THEN
    UPDATE SET [name] = s.[name], [status] = s.[status], [is_deleted] = s.[is_deleted], [_raw_json] = s.[_raw_json], [_loaded_at] = @loaded_at, [_run_id] = @run_id
WHEN NOT MATCHED BY TARGET THEN
    INSERT ([tenant_id], [tracking_category_id], [name], [status], [is_deleted], [_raw_json], [_loaded_at], [_run_id])
    VALUES (s.[tenant_id], s.[tracking_category_id], s.[name], s.[status], s.[is_deleted], s.[_raw_json], @loaded_at, @run_id)
OUTPUT $action, inserted.[tenant_id], inserted.[tracking_category_id], inserted.[is_deleted], deleted.[is_deleted] INTO #applied;
