DECLARE @json NVARCHAR(MAX) = %s;
DECLARE @json_escaped BIT = CASE WHEN JSON_VALUE(N'["\\"]', '$[0]') = N'\' THEN 0 ELSE 1 END;
DROP TABLE IF EXISTS #stage;
SELECT j.[tenant_id],
       j.[batch_payment_id],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[type]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[type] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[type] END AS [type],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[status]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[status] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[status] END AS [status],
       j.[account_id],
       j.[date],
       j.[amount],
       j.[total_amount],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[reference]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[reference] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[reference] END AS [reference],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[particulars]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[particulars] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[particulars] END AS [particulars],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[code]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[code] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[code] END AS [code],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[details]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[details] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[details] END AS [details],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[narrative]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[narrative] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[narrative] END AS [narrative],
       j.[is_reconciled],
       j.[updated_date_utc],
       j.[is_deleted],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[_raw_json]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[_raw_json] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[_raw_json] END AS [_raw_json]
INTO #stage
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [batch_payment_id] UNIQUEIDENTIFIER '$."batch_payment_id"',
    [type] NVARCHAR(MAX) '$."type"',
    [status] NVARCHAR(MAX) '$."status"',
    [account_id] UNIQUEIDENTIFIER '$."account_id"',
    [date] DATE '$."date"',
    [amount] DECIMAL(19, 4) '$."amount"',
    [total_amount] DECIMAL(19, 4) '$."total_amount"',
    [reference] NVARCHAR(MAX) '$."reference"',
    [particulars] NVARCHAR(MAX) '$."particulars"',
    [code] NVARCHAR(MAX) '$."code"',
    [details] NVARCHAR(MAX) '$."details"',
    [narrative] NVARCHAR(MAX) '$."narrative"',
    [is_reconciled] BIT '$."is_reconciled"',
    [updated_date_utc] DATETIME2(3) '$."updated_date_utc"',
    [is_deleted] BIT '$."is_deleted"',
    [_raw_json] NVARCHAR(MAX) '$."_raw_json"'
) AS j;
DROP TABLE IF EXISTS #applied;
CREATE TABLE #applied ([action] NVARCHAR(10) NOT NULL, [tenant_id] UNIQUEIDENTIFIER NOT NULL, [batch_payment_id] UNIQUEIDENTIFIER NOT NULL, [is_deleted] BIT NOT NULL, [was_deleted] BIT NULL)
