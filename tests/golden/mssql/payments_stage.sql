DECLARE @json NVARCHAR(MAX) = %s;
DROP TABLE IF EXISTS #stage;
SELECT j.[tenant_id], j.[payment_id], j.[payment_type], j.[status], j.[date], j.[amount], j.[bank_amount], j.[currency_rate], j.[reference], j.[is_reconciled], j.[account_id], j.[account_code], j.[invoice_id], j.[invoice_number], j.[invoice_type], j.[invoice_currency_code], j.[invoice_contact_id], j.[credit_note_id], j.[credit_note_number], j.[credit_note_type], j.[credit_note_currency_code], j.[credit_note_contact_id], j.[prepayment_id], j.[overpayment_id], j.[batch_payment_id], j.[updated_date_utc], j.[is_deleted], j.[_raw_json]
INTO #stage
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [payment_id] UNIQUEIDENTIFIER '$."payment_id"',
    [payment_type] NVARCHAR(MAX) '$."payment_type"',
    [status] NVARCHAR(MAX) '$."status"',
    [date] DATE '$."date"',
    [amount] DECIMAL(19, 4) '$."amount"',
    [bank_amount] DECIMAL(19, 4) '$."bank_amount"',
    [currency_rate] DECIMAL(28, 10) '$."currency_rate"',
    [reference] NVARCHAR(MAX) '$."reference"',
    [is_reconciled] BIT '$."is_reconciled"',
    [account_id] UNIQUEIDENTIFIER '$."account_id"',
    [account_code] NVARCHAR(MAX) '$."account_code"',
    [invoice_id] UNIQUEIDENTIFIER '$."invoice_id"',
    [invoice_number] NVARCHAR(MAX) '$."invoice_number"',
    [invoice_type] NVARCHAR(MAX) '$."invoice_type"',
    [invoice_currency_code] NVARCHAR(MAX) '$."invoice_currency_code"',
    [invoice_contact_id] UNIQUEIDENTIFIER '$."invoice_contact_id"',
    [credit_note_id] UNIQUEIDENTIFIER '$."credit_note_id"',
    [credit_note_number] NVARCHAR(MAX) '$."credit_note_number"',
    [credit_note_type] NVARCHAR(MAX) '$."credit_note_type"',
    [credit_note_currency_code] NVARCHAR(MAX) '$."credit_note_currency_code"',
    [credit_note_contact_id] UNIQUEIDENTIFIER '$."credit_note_contact_id"',
    [prepayment_id] UNIQUEIDENTIFIER '$."prepayment_id"',
    [overpayment_id] UNIQUEIDENTIFIER '$."overpayment_id"',
    [batch_payment_id] UNIQUEIDENTIFIER '$."batch_payment_id"',
    [updated_date_utc] DATETIME2(3) '$."updated_date_utc"',
    [is_deleted] BIT '$."is_deleted"',
    [_raw_json] NVARCHAR(MAX) '$."_raw_json"'
) AS j;
DROP TABLE IF EXISTS #applied;
CREATE TABLE #applied ([action] NVARCHAR(10) NOT NULL, [tenant_id] UNIQUEIDENTIFIER NOT NULL, [payment_id] UNIQUEIDENTIFIER NOT NULL, [is_deleted] BIT NOT NULL, [was_deleted] BIT NULL)
