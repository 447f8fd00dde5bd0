DECLARE @json NVARCHAR(MAX) = %s, @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
DECLARE @json_escaped BIT = CASE WHEN JSON_VALUE(N'["\\"]', '$[0]') = N'\' THEN 0 ELSE 1 END;
DELETE c FROM [xero].[journal_lines] AS c
WHERE EXISTS (SELECT 1 FROM #applied AS a WHERE a.[action] = N'UPDATE' AND a.[tenant_id] = c.[tenant_id] AND a.[journal_id] = c.[journal_id]);
INSERT INTO [xero].[journal_lines] ([tenant_id], [journal_id], [_position], [journal_line_id], [account_id], [account_code], [account_type], [account_name], [description], [net_amount], [gross_amount], [tax_amount], [tax_type], [tax_name], [_loaded_at], [_run_id])
SELECT j.[tenant_id],
       j.[journal_id],
       j.[_position],
       j.[journal_line_id],
       j.[account_id],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[account_code]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[account_code] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[account_code] END AS [account_code],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[account_type]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[account_type] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[account_type] END AS [account_type],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[account_name]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[account_name] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[account_name] END AS [account_name],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[description]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[description] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[description] END AS [description],
       j.[net_amount],
       j.[gross_amount],
       j.[tax_amount],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[tax_type]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[tax_type] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[tax_type] END AS [tax_type],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[tax_name]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[tax_name] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[tax_name] END AS [tax_name], @loaded_at, @run_id
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [journal_id] UNIQUEIDENTIFIER '$."journal_id"',
    [_position] INT '$."_position"',
    [journal_line_id] UNIQUEIDENTIFIER '$."journal_line_id"',
    [account_id] UNIQUEIDENTIFIER '$."account_id"',
    [account_code] NVARCHAR(MAX) '$."account_code"',
    [account_type] NVARCHAR(MAX) '$."account_type"',
    [account_name] NVARCHAR(MAX) '$."account_name"',
    [description] NVARCHAR(MAX) '$."description"',
    [net_amount] DECIMAL(19, 4) '$."net_amount"',
    [gross_amount] DECIMAL(19, 4) '$."gross_amount"',
    [tax_amount] DECIMAL(19, 4) '$."tax_amount"',
    [tax_type] NVARCHAR(MAX) '$."tax_type"',
    [tax_name] NVARCHAR(MAX) '$."tax_name"'
) AS j
