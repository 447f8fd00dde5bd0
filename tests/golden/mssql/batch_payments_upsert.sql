DECLARE @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
INSERT INTO #applied ([action], [tenant_id], [batch_payment_id], [is_deleted], [was_deleted])
SELECT N'UPDATE', s.[tenant_id], s.[batch_payment_id], s.[is_deleted], t.[is_deleted]
FROM #stage AS s
JOIN [xero].[batch_payments] AS t WITH (UPDLOCK, HOLDLOCK) ON t.[tenant_id] = s.[tenant_id] AND t.[batch_payment_id] = s.[batch_payment_id]
WHERE (s.[updated_date_utc] >= t.[updated_date_utc] OR s.[updated_date_utc] IS NULL OR t.[updated_date_utc] IS NULL OR t.[updated_date_utc] > DATEADD(SECOND, 300, @loaded_at)) AND EXISTS (SELECT s.[type], s.[status], s.[account_id], s.[date], s.[amount], s.[total_amount], s.[reference], s.[particulars], s.[code], s.[details], s.[narrative], s.[is_reconciled], s.[updated_date_utc], s.[is_deleted], s.[_raw_json] COLLATE Latin1_General_100_BIN2 EXCEPT SELECT t.[type], t.[status], t.[account_id], t.[date], t.[amount], t.[total_amount], t.[reference], t.[particulars], t.[code], t.[details], t.[narrative], t.[is_reconciled], t.[updated_date_utc], t.[is_deleted], t.[_raw_json] COLLATE Latin1_General_100_BIN2);
INSERT INTO #applied ([action], [tenant_id], [batch_payment_id], [is_deleted], [was_deleted])
SELECT N'INSERT', s.[tenant_id], s.[batch_payment_id], s.[is_deleted], NULL
FROM #stage AS s
WHERE NOT EXISTS (SELECT 1 FROM [xero].[batch_payments] AS t WITH (UPDLOCK, HOLDLOCK) WHERE t.[tenant_id] = s.[tenant_id] AND t.[batch_payment_id] = s.[batch_payment_id]);
UPDATE t SET
    [type] = s.[type],
    [status] = s.[status],
    [account_id] = s.[account_id],
    [date] = s.[date],
    [amount] = s.[amount],
    [total_amount] = s.[total_amount],
    [reference] = s.[reference],
    [particulars] = s.[particulars],
    [code] = s.[code],
    [details] = s.[details],
    [narrative] = s.[narrative],
    [is_reconciled] = s.[is_reconciled],
    [updated_date_utc] = s.[updated_date_utc],
    [is_deleted] = s.[is_deleted],
    [_raw_json] = s.[_raw_json],
    [_loaded_at] = @loaded_at, [_run_id] = @run_id
FROM [xero].[batch_payments] AS t
JOIN #stage AS s ON t.[tenant_id] = s.[tenant_id] AND t.[batch_payment_id] = s.[batch_payment_id]
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[batch_payment_id] = s.[batch_payment_id] AND a.[action] = N'UPDATE';
INSERT INTO [xero].[batch_payments] ([tenant_id], [batch_payment_id], [type], [status], [account_id], [date], [amount], [total_amount], [reference], [particulars], [code], [details], [narrative], [is_reconciled], [updated_date_utc], [is_deleted], [_raw_json], [_loaded_at], [_run_id])
SELECT s.[tenant_id], s.[batch_payment_id], s.[type], s.[status], s.[account_id], s.[date], s.[amount], s.[total_amount], s.[reference], s.[particulars], s.[code], s.[details], s.[narrative], s.[is_reconciled], s.[updated_date_utc], s.[is_deleted], s.[_raw_json], @loaded_at, @run_id
FROM #stage AS s
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[batch_payment_id] = s.[batch_payment_id] AND a.[action] = N'INSERT';
