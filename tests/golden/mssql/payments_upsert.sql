DECLARE @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
INSERT INTO #applied ([action], [tenant_id], [payment_id], [is_deleted], [was_deleted])
SELECT N'UPDATE', s.[tenant_id], s.[payment_id], s.[is_deleted], t.[is_deleted]
FROM #stage AS s
JOIN [xero].[payments] AS t WITH (UPDLOCK, HOLDLOCK) ON t.[tenant_id] = s.[tenant_id] AND t.[payment_id] = s.[payment_id]
WHERE (s.[updated_date_utc] >= t.[updated_date_utc] OR s.[updated_date_utc] IS NULL OR t.[updated_date_utc] IS NULL OR t.[updated_date_utc] > DATEADD(SECOND, 300, @loaded_at)) AND EXISTS (SELECT s.[payment_type], s.[status], s.[date], s.[amount], s.[bank_amount], s.[currency_rate], s.[reference], s.[is_reconciled], s.[account_id], s.[account_code], s.[invoice_id], s.[invoice_number], s.[invoice_type], s.[invoice_currency_code], s.[invoice_contact_id], s.[credit_note_id], s.[credit_note_number], s.[credit_note_type], s.[credit_note_currency_code], s.[credit_note_contact_id], s.[prepayment_id], s.[overpayment_id], s.[batch_payment_id], s.[updated_date_utc], s.[is_deleted], s.[_raw_json] COLLATE Latin1_General_100_BIN2 EXCEPT SELECT t.[payment_type], t.[status], t.[date], t.[amount], t.[bank_amount], t.[currency_rate], t.[reference], t.[is_reconciled], t.[account_id], t.[account_code], t.[invoice_id], t.[invoice_number], t.[invoice_type], t.[invoice_currency_code], t.[invoice_contact_id], t.[credit_note_id], t.[credit_note_number], t.[credit_note_type], t.[credit_note_currency_code], t.[credit_note_contact_id], t.[prepayment_id], t.[overpayment_id], t.[batch_payment_id], t.[updated_date_utc], t.[is_deleted], t.[_raw_json] COLLATE Latin1_General_100_BIN2);
INSERT INTO #applied ([action], [tenant_id], [payment_id], [is_deleted], [was_deleted])
SELECT N'INSERT', s.[tenant_id], s.[payment_id], s.[is_deleted], NULL
FROM #stage AS s
WHERE NOT EXISTS (SELECT 1 FROM [xero].[payments] AS t WITH (UPDLOCK, HOLDLOCK) WHERE t.[tenant_id] = s.[tenant_id] AND t.[payment_id] = s.[payment_id]);
UPDATE t SET
    [payment_type] = s.[payment_type],
    [status] = s.[status],
    [date] = s.[date],
    [amount] = s.[amount],
    [bank_amount] = s.[bank_amount],
    [currency_rate] = s.[currency_rate],
    [reference] = s.[reference],
    [is_reconciled] = s.[is_reconciled],
    [account_id] = s.[account_id],
    [account_code] = s.[account_code],
    [invoice_id] = s.[invoice_id],
    [invoice_number] = s.[invoice_number],
    [invoice_type] = s.[invoice_type],
    [invoice_currency_code] = s.[invoice_currency_code],
    [invoice_contact_id] = s.[invoice_contact_id],
    [credit_note_id] = s.[credit_note_id],
    [credit_note_number] = s.[credit_note_number],
    [credit_note_type] = s.[credit_note_type],
    [credit_note_currency_code] = s.[credit_note_currency_code],
    [credit_note_contact_id] = s.[credit_note_contact_id],
    [prepayment_id] = s.[prepayment_id],
    [overpayment_id] = s.[overpayment_id],
    [batch_payment_id] = s.[batch_payment_id],
    [updated_date_utc] = s.[updated_date_utc],
    [is_deleted] = s.[is_deleted],
    [_raw_json] = s.[_raw_json],
    [_loaded_at] = @loaded_at, [_run_id] = @run_id
FROM [xero].[payments] AS t
JOIN #stage AS s ON t.[tenant_id] = s.[tenant_id] AND t.[payment_id] = s.[payment_id]
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[payment_id] = s.[payment_id] AND a.[action] = N'UPDATE';
INSERT INTO [xero].[payments] ([tenant_id], [payment_id], [payment_type], [status], [date], [amount], [bank_amount], [currency_rate], [reference], [is_reconciled], [account_id], [account_code], [invoice_id], [invoice_number], [invoice_type], [invoice_currency_code], [invoice_contact_id], [credit_note_id], [credit_note_number], [credit_note_type], [credit_note_currency_code], [credit_note_contact_id], [prepayment_id], [overpayment_id], [batch_payment_id], [updated_date_utc], [is_deleted], [_raw_json], [_loaded_at], [_run_id])
SELECT s.[tenant_id], s.[payment_id], s.[payment_type], s.[status], s.[date], s.[amount], s.[bank_amount], s.[currency_rate], s.[reference], s.[is_reconciled], s.[account_id], s.[account_code], s.[invoice_id], s.[invoice_number], s.[invoice_type], s.[invoice_currency_code], s.[invoice_contact_id], s.[credit_note_id], s.[credit_note_number], s.[credit_note_type], s.[credit_note_currency_code], s.[credit_note_contact_id], s.[prepayment_id], s.[overpayment_id], s.[batch_payment_id], s.[updated_date_utc], s.[is_deleted], s.[_raw_json], @loaded_at, @run_id
FROM #stage AS s
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[payment_id] = s.[payment_id] AND a.[action] = N'INSERT';
