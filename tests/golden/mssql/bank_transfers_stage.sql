DECLARE @json NVARCHAR(MAX) = %s;
DROP TABLE IF EXISTS #stage;
SELECT j.[tenant_id], j.[bank_transfer_id], j.[status], j.[date], j.[amount], j.[currency_rate], j.[from_bank_account_id], j.[from_bank_account_code], j.[from_bank_account_name], j.[to_bank_account_id], j.[to_bank_account_code], j.[to_bank_account_name], j.[from_bank_transaction_id], j.[to_bank_transaction_id], j.[from_is_reconciled], j.[to_is_reconciled], j.[reference], j.[has_attachments], j.[created_date_utc], j.[is_deleted], j.[_raw_json]
INTO #stage
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [bank_transfer_id] UNIQUEIDENTIFIER '$."bank_transfer_id"',
    [status] NVARCHAR(MAX) '$."status"',
    [date] DATE '$."date"',
    [amount] DECIMAL(19, 4) '$."amount"',
    [currency_rate] DECIMAL(28, 10) '$."currency_rate"',
    [from_bank_account_id] UNIQUEIDENTIFIER '$."from_bank_account_id"',
    [from_bank_account_code] NVARCHAR(MAX) '$."from_bank_account_code"',
    [from_bank_account_name] NVARCHAR(MAX) '$."from_bank_account_name"',
    [to_bank_account_id] UNIQUEIDENTIFIER '$."to_bank_account_id"',
    [to_bank_account_code] NVARCHAR(MAX) '$."to_bank_account_code"',
    [to_bank_account_name] NVARCHAR(MAX) '$."to_bank_account_name"',
    [from_bank_transaction_id] UNIQUEIDENTIFIER '$."from_bank_transaction_id"',
    [to_bank_transaction_id] UNIQUEIDENTIFIER '$."to_bank_transaction_id"',
    [from_is_reconciled] BIT '$."from_is_reconciled"',
    [to_is_reconciled] BIT '$."to_is_reconciled"',
    [reference] NVARCHAR(MAX) '$."reference"',
    [has_attachments] BIT '$."has_attachments"',
    [created_date_utc] DATETIME2(3) '$."created_date_utc"',
    [is_deleted] BIT '$."is_deleted"',
    [_raw_json] NVARCHAR(MAX) '$."_raw_json"'
) AS j;
DROP TABLE IF EXISTS #applied;
CREATE TABLE #applied ([action] NVARCHAR(10) NOT NULL, [tenant_id] UNIQUEIDENTIFIER NOT NULL, [bank_transfer_id] UNIQUEIDENTIFIER NOT NULL, [is_deleted] BIT NOT NULL, [was_deleted] BIT NULL)
