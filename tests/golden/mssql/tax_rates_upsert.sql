DECLARE @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
INSERT INTO #applied ([action], [tenant_id], [tax_type], [is_deleted], [was_deleted])
SELECT N'UPDATE', s.[tenant_id], s.[tax_type], s.[is_deleted], t.[is_deleted]
FROM #stage AS s
JOIN [xero].[tax_rates] AS t WITH (UPDLOCK, HOLDLOCK) ON t.[tenant_id] = s.[tenant_id] AND t.[tax_type] = s.[tax_type]
WHERE EXISTS (SELECT s.[name], s.[status], s.[report_tax_type], s.[display_tax_rate], s.[effective_rate], s.[can_apply_to_assets], s.[can_apply_to_equity], s.[can_apply_to_expenses], s.[can_apply_to_liabilities], s.[can_apply_to_revenue], s.[is_deleted], s.[_raw_json] COLLATE Latin1_General_100_BIN2 EXCEPT SELECT t.[name], t.[status], t.[report_tax_type], t.[display_tax_rate], t.[effective_rate], t.[can_apply_to_assets], t.[can_apply_to_equity], t.[can_apply_to_expenses], t.[can_apply_to_liabilities], t.[can_apply_to_revenue], t.[is_deleted], t.[_raw_json] COLLATE Latin1_General_100_BIN2);
INSERT INTO #applied ([action], [tenant_id], [tax_type], [is_deleted], [was_deleted])
SELECT N'INSERT', s.[tenant_id], s.[tax_type], s.[is_deleted], NULL
FROM #stage AS s
WHERE NOT EXISTS (SELECT 1 FROM [xero].[tax_rates] AS t WITH (UPDLOCK, HOLDLOCK) WHERE t.[tenant_id] = s.[tenant_id] AND t.[tax_type] = s.[tax_type]);
UPDATE t SET
    [name] = s.[name],
    [status] = s.[status],
    [report_tax_type] = s.[report_tax_type],
    [display_tax_rate] = s.[display_tax_rate],
    [effective_rate] = s.[effective_rate],
    [can_apply_to_assets] = s.[can_apply_to_assets],
    [can_apply_to_equity] = s.[can_apply_to_equity],
    [can_apply_to_expenses] = s.[can_apply_to_expenses],
    [can_apply_to_liabilities] = s.[can_apply_to_liabilities],
    [can_apply_to_revenue] = s.[can_apply_to_revenue],
    [is_deleted] = s.[is_deleted],
    [_raw_json] = s.[_raw_json],
    [_loaded_at] = @loaded_at, [_run_id] = @run_id
FROM [xero].[tax_rates] AS t
JOIN #stage AS s ON t.[tenant_id] = s.[tenant_id] AND t.[tax_type] = s.[tax_type]
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[tax_type] = s.[tax_type] AND a.[action] = N'UPDATE';
INSERT INTO [xero].[tax_rates] ([tenant_id], [tax_type], [name], [status], [report_tax_type], [display_tax_rate], [effective_rate], [can_apply_to_assets], [can_apply_to_equity], [can_apply_to_expenses], [can_apply_to_liabilities], [can_apply_to_revenue], [is_deleted], [_raw_json], [_loaded_at], [_run_id])
SELECT s.[tenant_id], s.[tax_type], s.[name], s.[status], s.[report_tax_type], s.[display_tax_rate], s.[effective_rate], s.[can_apply_to_assets], s.[can_apply_to_equity], s.[can_apply_to_expenses], s.[can_apply_to_liabilities], s.[can_apply_to_revenue], s.[is_deleted], s.[_raw_json], @loaded_at, @run_id
FROM #stage AS s
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[tax_type] = s.[tax_type] AND a.[action] = N'INSERT';
