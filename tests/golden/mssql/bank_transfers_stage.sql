DECLARE @json NVARCHAR(MAX) = %s;
DECLARE @json_escaped BIT = CASE WHEN JSON_VALUE(N'["\\"]', '$[0]') = N'\' THEN 0 ELSE 1 END;
DROP TABLE IF EXISTS #stage;
SELECT j.[tenant_id],
       j.[bank_transfer_id],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[status]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[status] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[status] END AS [status],
       j.[date],
       j.[amount],
       j.[currency_rate],
       j.[from_bank_account_id],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[from_bank_account_code]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[from_bank_account_code] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[from_bank_account_code] END AS [from_bank_account_code],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[from_bank_account_name]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[from_bank_account_name] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[from_bank_account_name] END AS [from_bank_account_name],
       j.[to_bank_account_id],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[to_bank_account_code]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[to_bank_account_code] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[to_bank_account_code] END AS [to_bank_account_code],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[to_bank_account_name]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[to_bank_account_name] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[to_bank_account_name] END AS [to_bank_account_name],
       j.[from_bank_transaction_id],
       j.[to_bank_transaction_id],
       j.[from_is_reconciled],
       j.[to_is_reconciled],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[reference]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[reference] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[reference] END AS [reference],
       j.[has_attachments],
       j.[created_date_utc],
       j.[is_deleted],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[_raw_json]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[_raw_json] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[_raw_json] END AS [_raw_json]
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
