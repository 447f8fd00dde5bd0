DECLARE @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
INSERT INTO #applied ([action], [tenant_id], [linked_transaction_id], [is_deleted], [was_deleted])
SELECT N'UPDATE', s.[tenant_id], s.[linked_transaction_id], s.[is_deleted], t.[is_deleted]
FROM #stage AS s
JOIN [xero].[linked_transactions] AS t WITH (UPDLOCK, HOLDLOCK) ON t.[tenant_id] = s.[tenant_id] AND t.[linked_transaction_id] = s.[linked_transaction_id]
WHERE (s.[updated_date_utc] >= t.[updated_date_utc] OR s.[updated_date_utc] IS NULL OR t.[updated_date_utc] IS NULL OR t.[updated_date_utc] > DATEADD(SECOND, 300, @loaded_at)) AND EXISTS (SELECT s.[type], s.[status], s.[source_transaction_id], s.[source_line_item_id], s.[source_transaction_type_code], s.[contact_id], s.[target_transaction_id], s.[target_line_item_id], s.[updated_date_utc], s.[is_deleted], s.[_raw_json] COLLATE Latin1_General_100_BIN2 EXCEPT SELECT t.[type], t.[status], t.[source_transaction_id], t.[source_line_item_id], t.[source_transaction_type_code], t.[contact_id], t.[target_transaction_id], t.[target_line_item_id], t.[updated_date_utc], t.[is_deleted], t.[_raw_json] COLLATE Latin1_General_100_BIN2);
INSERT INTO #applied ([action], [tenant_id], [linked_transaction_id], [is_deleted], [was_deleted])
SELECT N'INSERT', s.[tenant_id], s.[linked_transaction_id], s.[is_deleted], NULL
FROM #stage AS s
WHERE NOT EXISTS (SELECT 1 FROM [xero].[linked_transactions] AS t WITH (UPDLOCK, HOLDLOCK) WHERE t.[tenant_id] = s.[tenant_id] AND t.[linked_transaction_id] = s.[linked_transaction_id]);
UPDATE t SET
    [type] = s.[type],
    [status] = s.[status],
    [source_transaction_id] = s.[source_transaction_id],
    [source_line_item_id] = s.[source_line_item_id],
    [source_transaction_type_code] = s.[source_transaction_type_code],
    [contact_id] = s.[contact_id],
    [target_transaction_id] = s.[target_transaction_id],
    [target_line_item_id] = s.[target_line_item_id],
    [updated_date_utc] = s.[updated_date_utc],
    [is_deleted] = s.[is_deleted],
    [_raw_json] = s.[_raw_json],
    [_loaded_at] = @loaded_at, [_run_id] = @run_id
FROM [xero].[linked_transactions] AS t
JOIN #stage AS s ON t.[tenant_id] = s.[tenant_id] AND t.[linked_transaction_id] = s.[linked_transaction_id]
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[linked_transaction_id] = s.[linked_transaction_id] AND a.[action] = N'UPDATE';
INSERT INTO [xero].[linked_transactions] ([tenant_id], [linked_transaction_id], [type], [status], [source_transaction_id], [source_line_item_id], [source_transaction_type_code], [contact_id], [target_transaction_id], [target_line_item_id], [updated_date_utc], [is_deleted], [_raw_json], [_loaded_at], [_run_id])
SELECT s.[tenant_id], s.[linked_transaction_id], s.[type], s.[status], s.[source_transaction_id], s.[source_line_item_id], s.[source_transaction_type_code], s.[contact_id], s.[target_transaction_id], s.[target_line_item_id], s.[updated_date_utc], s.[is_deleted], s.[_raw_json], @loaded_at, @run_id
FROM #stage AS s
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[linked_transaction_id] = s.[linked_transaction_id] AND a.[action] = N'INSERT';
