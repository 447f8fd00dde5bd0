DECLARE @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
INSERT INTO #applied ([action], [tenant_id], [bank_transfer_id], [is_deleted], [was_deleted])
SELECT N'UPDATE', s.[tenant_id], s.[bank_transfer_id], s.[is_deleted], t.[is_deleted]
FROM #stage AS s
JOIN [xero].[bank_transfers] AS t WITH (UPDLOCK, HOLDLOCK) ON t.[tenant_id] = s.[tenant_id] AND t.[bank_transfer_id] = s.[bank_transfer_id]
WHERE (s.[created_date_utc] >= t.[created_date_utc] OR s.[created_date_utc] IS NULL OR t.[created_date_utc] IS NULL OR t.[created_date_utc] > DATEADD(SECOND, 300, @loaded_at)) AND EXISTS (SELECT s.[status], s.[date], s.[amount], s.[currency_rate], s.[from_bank_account_id], s.[from_bank_account_code], s.[from_bank_account_name], s.[to_bank_account_id], s.[to_bank_account_code], s.[to_bank_account_name], s.[from_bank_transaction_id], s.[to_bank_transaction_id], s.[from_is_reconciled], s.[to_is_reconciled], s.[reference], s.[has_attachments], s.[created_date_utc], s.[is_deleted], s.[_raw_json] COLLATE Latin1_General_100_BIN2 EXCEPT SELECT t.[status], t.[date], t.[amount], t.[currency_rate], t.[from_bank_account_id], t.[from_bank_account_code], t.[from_bank_account_name], t.[to_bank_account_id], t.[to_bank_account_code], t.[to_bank_account_name], t.[from_bank_transaction_id], t.[to_bank_transaction_id], t.[from_is_reconciled], t.[to_is_reconciled], t.[reference], t.[has_attachments], t.[created_date_utc], t.[is_deleted], t.[_raw_json] COLLATE Latin1_General_100_BIN2);
INSERT INTO #applied ([action], [tenant_id], [bank_transfer_id], [is_deleted], [was_deleted])
SELECT N'INSERT', s.[tenant_id], s.[bank_transfer_id], s.[is_deleted], NULL
FROM #stage AS s
WHERE NOT EXISTS (SELECT 1 FROM [xero].[bank_transfers] AS t WITH (UPDLOCK, HOLDLOCK) WHERE t.[tenant_id] = s.[tenant_id] AND t.[bank_transfer_id] = s.[bank_transfer_id]);
UPDATE t SET
    [status] = s.[status],
    [date] = s.[date],
    [amount] = s.[amount],
    [currency_rate] = s.[currency_rate],
    [from_bank_account_id] = s.[from_bank_account_id],
    [from_bank_account_code] = s.[from_bank_account_code],
    [from_bank_account_name] = s.[from_bank_account_name],
    [to_bank_account_id] = s.[to_bank_account_id],
    [to_bank_account_code] = s.[to_bank_account_code],
    [to_bank_account_name] = s.[to_bank_account_name],
    [from_bank_transaction_id] = s.[from_bank_transaction_id],
    [to_bank_transaction_id] = s.[to_bank_transaction_id],
    [from_is_reconciled] = s.[from_is_reconciled],
    [to_is_reconciled] = s.[to_is_reconciled],
    [reference] = s.[reference],
    [has_attachments] = s.[has_attachments],
    [created_date_utc] = s.[created_date_utc],
    [is_deleted] = s.[is_deleted],
    [_raw_json] = s.[_raw_json],
    [_loaded_at] = @loaded_at, [_run_id] = @run_id
FROM [xero].[bank_transfers] AS t
JOIN #stage AS s ON t.[tenant_id] = s.[tenant_id] AND t.[bank_transfer_id] = s.[bank_transfer_id]
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[bank_transfer_id] = s.[bank_transfer_id] AND a.[action] = N'UPDATE';
INSERT INTO [xero].[bank_transfers] ([tenant_id], [bank_transfer_id], [status], [date], [amount], [currency_rate], [from_bank_account_id], [from_bank_account_code], [from_bank_account_name], [to_bank_account_id], [to_bank_account_code], [to_bank_account_name], [from_bank_transaction_id], [to_bank_transaction_id], [from_is_reconciled], [to_is_reconciled], [reference], [has_attachments], [created_date_utc], [is_deleted], [_raw_json], [_loaded_at], [_run_id])
SELECT s.[tenant_id], s.[bank_transfer_id], s.[status], s.[date], s.[amount], s.[currency_rate], s.[from_bank_account_id], s.[from_bank_account_code], s.[from_bank_account_name], s.[to_bank_account_id], s.[to_bank_account_code], s.[to_bank_account_name], s.[from_bank_transaction_id], s.[to_bank_transaction_id], s.[from_is_reconciled], s.[to_is_reconciled], s.[reference], s.[has_attachments], s.[created_date_utc], s.[is_deleted], s.[_raw_json], @loaded_at, @run_id
FROM #stage AS s
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[bank_transfer_id] = s.[bank_transfer_id] AND a.[action] = N'INSERT';
