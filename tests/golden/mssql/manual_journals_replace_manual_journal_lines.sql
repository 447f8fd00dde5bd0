DECLARE @json NVARCHAR(MAX) = %s, @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
DECLARE @json_escaped BIT = CASE WHEN JSON_VALUE(N'["\\"]', '$[0]') = N'\' THEN 0 ELSE 1 END;
DELETE c FROM [xero].[manual_journal_lines] AS c
WHERE EXISTS (SELECT 1 FROM #applied AS a WHERE a.[action] = N'UPDATE' AND a.[tenant_id] = c.[tenant_id] AND a.[manual_journal_id] = c.[manual_journal_id]);
INSERT INTO [xero].[manual_journal_lines] ([tenant_id], [manual_journal_id], [_position], [account_code], [account_id], [description], [line_amount], [tax_type], [tax_amount], [is_blank], [_loaded_at], [_run_id])
SELECT j.[tenant_id],
       j.[manual_journal_id],
       j.[_position],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[account_code]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[account_code] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[account_code] END AS [account_code],
       j.[account_id],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[description]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[description] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[description] END AS [description],
       j.[line_amount],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[tax_type]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[tax_type] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[tax_type] END AS [tax_type],
       j.[tax_amount],
       j.[is_blank], @loaded_at, @run_id
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [manual_journal_id] UNIQUEIDENTIFIER '$."manual_journal_id"',
    [_position] INT '$."_position"',
    [account_code] NVARCHAR(MAX) '$."account_code"',
    [account_id] UNIQUEIDENTIFIER '$."account_id"',
    [description] NVARCHAR(MAX) '$."description"',
    [line_amount] DECIMAL(19, 4) '$."line_amount"',
    [tax_type] NVARCHAR(MAX) '$."tax_type"',
    [tax_amount] DECIMAL(19, 4) '$."tax_amount"',
    [is_blank] BIT '$."is_blank"'
) AS j
