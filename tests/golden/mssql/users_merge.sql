DECLARE @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
MERGE INTO [xero].[users] WITH (HOLDLOCK) AS t
USING #stage AS s
ON t.[tenant_id] = s.[tenant_id] AND t.[user_id] = s.[user_id]
WHEN MATCHED AND (s.[updated_date_utc] >= t.[updated_date_utc] OR s.[updated_date_utc] IS NULL OR t.[updated_date_utc] IS NULL) AND EXISTS (SELECT s.[first_name], s.[last_name], s.[email_address], s.[organisation_role], s.[is_subscriber], s.[updated_date_utc], s.[is_deleted], s.[_raw_json] COLLATE Latin1_General_100_BIN2 EXCEPT SELECT t.[first_name], t.[last_name], t.[email_address], t.[organisation_role], t.[is_subscriber], t.[updated_date_utc], t.[is_deleted], t.[_raw_json] COLLATE Latin1_General_100_BIN2) THEN
    UPDATE SET [first_name] = s.[first_name], [last_name] = s.[last_name], [email_address] = s.[email_address], [organisation_role] = s.[organisation_role], [is_subscriber] = s.[is_subscriber], [updated_date_utc] = s.[updated_date_utc], [is_deleted] = s.[is_deleted], [_raw_json] = s.[_raw_json], [_loaded_at] = @loaded_at, [_run_id] = @run_id
WHEN NOT MATCHED BY TARGET THEN
    INSERT ([tenant_id], [user_id], [first_name], [last_name], [email_address], [organisation_role], [is_subscriber], [updated_date_utc], [is_deleted], [_raw_json], [_loaded_at], [_run_id])
    VALUES (s.[tenant_id], s.[user_id], s.[first_name], s.[last_name], s.[email_address], s.[organisation_role], s.[is_subscriber], s.[updated_date_utc], s.[is_deleted], s.[_raw_json], @loaded_at, @run_id)
OUTPUT $action, inserted.[tenant_id], inserted.[user_id], inserted.[is_deleted], deleted.[is_deleted] INTO #applied;
