DECLARE @json NVARCHAR(MAX) = %s, @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
DECLARE @json_escaped BIT = CASE WHEN JSON_VALUE(N'["\\"]', '$[0]') = N'\' THEN 0 ELSE 1 END;
DELETE c FROM [xero].[prepayment_line_item_tracking] AS c
WHERE EXISTS (SELECT 1 FROM #applied AS a WHERE a.[action] = N'UPDATE' AND a.[tenant_id] = c.[tenant_id] AND a.[prepayment_id] = c.[prepayment_id]);
INSERT INTO [xero].[prepayment_line_item_tracking] ([tenant_id], [prepayment_id], [_parent_position], [_position], [tracking_category_id], [tracking_option_id], [name], [option], [_loaded_at], [_run_id])
SELECT j.[tenant_id],
       j.[prepayment_id],
       j.[_parent_position],
       j.[_position],
       j.[tracking_category_id],
       j.[tracking_option_id],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[name]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[name] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[name] END AS [name],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[option]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[option] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[option] END AS [option], @loaded_at, @run_id
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [prepayment_id] UNIQUEIDENTIFIER '$."prepayment_id"',
    [_parent_position] INT '$."_parent_position"',
    [_position] INT '$."_position"',
    [tracking_category_id] UNIQUEIDENTIFIER '$."tracking_category_id"',
    [tracking_option_id] UNIQUEIDENTIFIER '$."tracking_option_id"',
    [name] NVARCHAR(MAX) '$."name"',
    [option] NVARCHAR(MAX) '$."option"'
) AS j
