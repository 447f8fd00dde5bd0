DECLARE @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
INSERT INTO #applied ([action], [tenant_id], [account_id], [is_deleted], [was_deleted])
SELECT N'UPDATE', s.[tenant_id], s.[account_id], s.[is_deleted], t.[is_deleted]
FROM #stage AS s
JOIN [xero].[accounts] AS t WITH (UPDLOCK, HOLDLOCK) ON t.[tenant_id] = s.[tenant_id] AND t.[account_id] = s.[account_id]
WHERE (s.[updated_date_utc] >= t.[updated_date_utc] OR s.[updated_date_utc] IS NULL OR t.[updated_date_utc] IS NULL OR t.[updated_date_utc] > DATEADD(SECOND, 300, @loaded_at)) AND EXISTS (SELECT s.[code], s.[name], s.[type], s.[class], s.[status], s.[description], s.[tax_type], s.[system_account], s.[reporting_code], s.[reporting_code_name], s.[bank_account_number], s.[bank_account_type], s.[currency_code], s.[enable_payments_to_account], s.[show_in_expense_claims], s.[add_to_watchlist], s.[has_attachments], s.[updated_date_utc], s.[is_deleted], s.[_raw_json] COLLATE Latin1_General_100_BIN2 EXCEPT SELECT t.[code], t.[name], t.[type], t.[class], t.[status], t.[description], t.[tax_type], t.[system_account], t.[reporting_code], t.[reporting_code_name], t.[bank_account_number], t.[bank_account_type], t.[currency_code], t.[enable_payments_to_account], t.[show_in_expense_claims], t.[add_to_watchlist], t.[has_attachments], t.[updated_date_utc], t.[is_deleted], t.[_raw_json] COLLATE Latin1_General_100_BIN2);
INSERT INTO #applied ([action], [tenant_id], [account_id], [is_deleted], [was_deleted])
SELECT N'INSERT', s.[tenant_id], s.[account_id], s.[is_deleted], NULL
FROM #stage AS s
WHERE NOT EXISTS (SELECT 1 FROM [xero].[accounts] AS t WITH (UPDLOCK, HOLDLOCK) WHERE t.[tenant_id] = s.[tenant_id] AND t.[account_id] = s.[account_id]);
UPDATE t SET
    [code] = s.[code],
    [name] = s.[name],
    [type] = s.[type],
    [class] = s.[class],
    [status] = s.[status],
    [description] = s.[description],
    [tax_type] = s.[tax_type],
    [system_account] = s.[system_account],
    [reporting_code] = s.[reporting_code],
    [reporting_code_name] = s.[reporting_code_name],
    [bank_account_number] = s.[bank_account_number],
    [bank_account_type] = s.[bank_account_type],
    [currency_code] = s.[currency_code],
    [enable_payments_to_account] = s.[enable_payments_to_account],
    [show_in_expense_claims] = s.[show_in_expense_claims],
    [add_to_watchlist] = s.[add_to_watchlist],
    [has_attachments] = s.[has_attachments],
    [updated_date_utc] = s.[updated_date_utc],
    [is_deleted] = s.[is_deleted],
    [_raw_json] = s.[_raw_json],
    [_loaded_at] = @loaded_at, [_run_id] = @run_id
FROM [xero].[accounts] AS t
JOIN #stage AS s ON t.[tenant_id] = s.[tenant_id] AND t.[account_id] = s.[account_id]
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[account_id] = s.[account_id] AND a.[action] = N'UPDATE';
INSERT INTO [xero].[accounts] ([tenant_id], [account_id], [code], [name], [type], [class], [status], [description], [tax_type], [system_account], [reporting_code], [reporting_code_name], [bank_account_number], [bank_account_type], [currency_code], [enable_payments_to_account], [show_in_expense_claims], [add_to_watchlist], [has_attachments], [updated_date_utc], [is_deleted], [_raw_json], [_loaded_at], [_run_id])
SELECT s.[tenant_id], s.[account_id], s.[code], s.[name], s.[type], s.[class], s.[status], s.[description], s.[tax_type], s.[system_account], s.[reporting_code], s.[reporting_code_name], s.[bank_account_number], s.[bank_account_type], s.[currency_code], s.[enable_payments_to_account], s.[show_in_expense_claims], s.[add_to_watchlist], s.[has_attachments], s.[updated_date_utc], s.[is_deleted], s.[_raw_json], @loaded_at, @run_id
FROM #stage AS s
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[account_id] = s.[account_id] AND a.[action] = N'INSERT';
