DECLARE @json NVARCHAR(MAX) = %s, @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
DECLARE @json_escaped BIT = CASE WHEN JSON_VALUE(N'["\\"]', '$[0]') = N'\' THEN 0 ELSE 1 END;
DELETE c FROM [xero].[employee_bank_accounts] AS c
WHERE EXISTS (SELECT 1 FROM #applied AS a WHERE a.[action] = N'UPDATE' AND a.[tenant_id] = c.[tenant_id] AND a.[employee_id] = c.[employee_id]);
INSERT INTO [xero].[employee_bank_accounts] ([tenant_id], [employee_id], [_position], [statement_text], [account_name], [remainder], [amount], [_loaded_at], [_run_id])
SELECT j.[tenant_id],
       j.[employee_id],
       j.[_position],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[statement_text]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[statement_text] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[statement_text] END AS [statement_text],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[account_name]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[account_name] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[account_name] END AS [account_name],
       j.[remainder],
       j.[amount], @loaded_at, @run_id
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [employee_id] UNIQUEIDENTIFIER '$."employee_id"',
    [_position] INT '$."_position"',
    [statement_text] NVARCHAR(MAX) '$."statement_text"',
    [account_name] NVARCHAR(MAX) '$."account_name"',
    [remainder] BIT '$."remainder"',
    [amount] DECIMAL(19, 4) '$."amount"'
) AS j
