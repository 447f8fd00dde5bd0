DECLARE @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
INSERT INTO #applied ([action], [tenant_id], [user_id], [is_deleted], [was_deleted])
SELECT N'UPDATE', s.[tenant_id], s.[user_id], s.[is_deleted], t.[is_deleted]
FROM #stage AS s
JOIN [xero].[users] AS t WITH (UPDLOCK, HOLDLOCK) ON t.[tenant_id] = s.[tenant_id] AND t.[user_id] = s.[user_id]
WHERE (s.[updated_date_utc] >= t.[updated_date_utc] OR s.[updated_date_utc] IS NULL OR t.[updated_date_utc] IS NULL OR t.[updated_date_utc] > DATEADD(SECOND, 300, @loaded_at)) AND EXISTS (SELECT s.[first_name], s.[last_name], s.[email_address], s.[organisation_role], s.[is_subscriber], s.[updated_date_utc], s.[is_deleted], s.[_raw_json] COLLATE Latin1_General_100_BIN2 EXCEPT SELECT t.[first_name], t.[last_name], t.[email_address], t.[organisation_role], t.[is_subscriber], t.[updated_date_utc], t.[is_deleted], t.[_raw_json] COLLATE Latin1_General_100_BIN2);
INSERT INTO #applied ([action], [tenant_id], [user_id], [is_deleted], [was_deleted])
SELECT N'INSERT', s.[tenant_id], s.[user_id], s.[is_deleted], NULL
FROM #stage AS s
WHERE NOT EXISTS (SELECT 1 FROM [xero].[users] AS t WITH (UPDLOCK, HOLDLOCK) WHERE t.[tenant_id] = s.[tenant_id] AND t.[user_id] = s.[user_id]);
UPDATE t SET
    [first_name] = s.[first_name],
    [last_name] = s.[last_name],
    [email_address] = s.[email_address],
    [organisation_role] = s.[organisation_role],
    [is_subscriber] = s.[is_subscriber],
    [updated_date_utc] = s.[updated_date_utc],
    [is_deleted] = s.[is_deleted],
    [_raw_json] = s.[_raw_json],
    [_loaded_at] = @loaded_at, [_run_id] = @run_id
FROM [xero].[users] AS t
JOIN #stage AS s ON t.[tenant_id] = s.[tenant_id] AND t.[user_id] = s.[user_id]
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[user_id] = s.[user_id] AND a.[action] = N'UPDATE';
INSERT INTO [xero].[users] ([tenant_id], [user_id], [first_name], [last_name], [email_address], [organisation_role], [is_subscriber], [updated_date_utc], [is_deleted], [_raw_json], [_loaded_at], [_run_id])
SELECT s.[tenant_id], s.[user_id], s.[first_name], s.[last_name], s.[email_address], s.[organisation_role], s.[is_subscriber], s.[updated_date_utc], s.[is_deleted], s.[_raw_json], @loaded_at, @run_id
FROM #stage AS s
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[user_id] = s.[user_id] AND a.[action] = N'INSERT';
