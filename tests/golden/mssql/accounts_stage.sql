DECLARE @json NVARCHAR(MAX) = %s;
DECLARE @json_escaped BIT = CASE WHEN JSON_VALUE(N'["\\"]', '$[0]') = N'\' THEN 0 ELSE 1 END;
DROP TABLE IF EXISTS #stage;
SELECT j.[tenant_id],
       j.[account_id],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[code]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[code] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[code] END AS [code],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[name]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[name] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[name] END AS [name],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[type]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[type] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[type] END AS [type],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[class]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[class] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[class] END AS [class],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[status]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[status] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[status] END AS [status],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[description]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[description] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[description] END AS [description],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[tax_type]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[tax_type] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[tax_type] END AS [tax_type],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[system_account]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[system_account] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[system_account] END AS [system_account],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[reporting_code]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[reporting_code] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[reporting_code] END AS [reporting_code],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[reporting_code_name]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[reporting_code_name] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[reporting_code_name] END AS [reporting_code_name],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[bank_account_number]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[bank_account_number] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[bank_account_number] END AS [bank_account_number],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[bank_account_type]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[bank_account_type] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[bank_account_type] END AS [bank_account_type],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[currency_code]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[currency_code] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[currency_code] END AS [currency_code],
       j.[enable_payments_to_account],
       j.[show_in_expense_claims],
       j.[add_to_watchlist],
       j.[has_attachments],
       j.[updated_date_utc],
       j.[is_deleted],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[_raw_json]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[_raw_json] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[_raw_json] END AS [_raw_json]
INTO #stage
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [account_id] UNIQUEIDENTIFIER '$."account_id"',
    [code] NVARCHAR(MAX) '$."code"',
    [name] NVARCHAR(MAX) '$."name"',
    [type] NVARCHAR(MAX) '$."type"',
    [class] NVARCHAR(MAX) '$."class"',
    [status] NVARCHAR(MAX) '$."status"',
    [description] NVARCHAR(MAX) '$."description"',
    [tax_type] NVARCHAR(MAX) '$."tax_type"',
    [system_account] NVARCHAR(MAX) '$."system_account"',
    [reporting_code] NVARCHAR(MAX) '$."reporting_code"',
    [reporting_code_name] NVARCHAR(MAX) '$."reporting_code_name"',
    [bank_account_number] NVARCHAR(MAX) '$."bank_account_number"',
    [bank_account_type] NVARCHAR(MAX) '$."bank_account_type"',
    [currency_code] NVARCHAR(MAX) '$."currency_code"',
    [enable_payments_to_account] BIT '$."enable_payments_to_account"',
    [show_in_expense_claims] BIT '$."show_in_expense_claims"',
    [add_to_watchlist] BIT '$."add_to_watchlist"',
    [has_attachments] BIT '$."has_attachments"',
    [updated_date_utc] DATETIME2(3) '$."updated_date_utc"',
    [is_deleted] BIT '$."is_deleted"',
    [_raw_json] NVARCHAR(MAX) '$."_raw_json"'
) AS j;
DROP TABLE IF EXISTS #applied;
CREATE TABLE #applied ([action] NVARCHAR(10) NOT NULL, [tenant_id] UNIQUEIDENTIFIER NOT NULL, [account_id] UNIQUEIDENTIFIER NOT NULL, [is_deleted] BIT NOT NULL, [was_deleted] BIT NULL)
