DECLARE @json NVARCHAR(MAX) = %s, @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
DECLARE @json_escaped BIT = CASE WHEN JSON_VALUE(N'["\\"]', '$[0]') = N'\' THEN 0 ELSE 1 END;
DELETE c FROM [xero].[credit_note_line_items] AS c
WHERE EXISTS (SELECT 1 FROM #applied AS a WHERE a.[action] = N'UPDATE' AND a.[tenant_id] = c.[tenant_id] AND a.[credit_note_id] = c.[credit_note_id]);
INSERT INTO [xero].[credit_note_line_items] ([tenant_id], [credit_note_id], [_position], [line_item_id], [item_code], [item_id], [item_name], [description], [quantity], [unit_amount], [account_code], [account_id], [tax_type], [tax_amount], [line_amount], [_loaded_at], [_run_id])
SELECT j.[tenant_id],
       j.[credit_note_id],
       j.[_position],
       j.[line_item_id],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[item_code]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[item_code] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[item_code] END AS [item_code],
       j.[item_id],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[item_name]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[item_name] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[item_name] END AS [item_name],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[description]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[description] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[description] END AS [description],
       j.[quantity],
       j.[unit_amount],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[account_code]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[account_code] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[account_code] END AS [account_code],
       j.[account_id],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[tax_type]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[tax_type] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[tax_type] END AS [tax_type],
       j.[tax_amount],
       j.[line_amount], @loaded_at, @run_id
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [credit_note_id] UNIQUEIDENTIFIER '$."credit_note_id"',
    [_position] INT '$."_position"',
    [line_item_id] UNIQUEIDENTIFIER '$."line_item_id"',
    [item_code] NVARCHAR(MAX) '$."item_code"',
    [item_id] UNIQUEIDENTIFIER '$."item_id"',
    [item_name] NVARCHAR(MAX) '$."item_name"',
    [description] NVARCHAR(MAX) '$."description"',
    [quantity] DECIMAL(19, 4) '$."quantity"',
    [unit_amount] DECIMAL(19, 4) '$."unit_amount"',
    [account_code] NVARCHAR(MAX) '$."account_code"',
    [account_id] UNIQUEIDENTIFIER '$."account_id"',
    [tax_type] NVARCHAR(MAX) '$."tax_type"',
    [tax_amount] DECIMAL(19, 4) '$."tax_amount"',
    [line_amount] DECIMAL(19, 4) '$."line_amount"'
) AS j
