DECLARE @json NVARCHAR(MAX) = %s, @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
DECLARE @json_escaped BIT = CASE WHEN JSON_VALUE(N'["\\"]', '$[0]') = N'\' THEN 0 ELSE 1 END;
DELETE c FROM [xero].[bank_transaction_line_item_tracking] AS c
WHERE EXISTS (SELECT 1 FROM #applied AS a WHERE a.[action] = N'UPDATE' AND a.[tenant_id] = c.[tenant_id] AND a.[bank_transaction_id] = c.[bank_transaction_id]);
INSERT INTO [xero].[bank_transaction_line_item_tracking] ([tenant_id], [bank_transaction_id], [line_item_id], [_position], [tracking_category_id], [tracking_option_id], [name], [option], [_loaded_at], [_run_id])
SELECT j.[tenant_id],
       j.[bank_transaction_id],
       j.[line_item_id],
       j.[_position],
       j.[tracking_category_id],
       j.[tracking_option_id],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[name]) > 0 THEN REPLACE(REPLACE(CASE WHEN CHARINDEX(N'\u00', j.[name]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[name] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), N'\u0002', NCHAR(2)), N'\u0003', NCHAR(3)), N'\u0004', NCHAR(4)), N'\u0005', NCHAR(5)), N'\u0006', NCHAR(6)), N'\u0007', NCHAR(7)), N'\u000b', NCHAR(11)), N'\u000e', NCHAR(14)), N'\u000f', NCHAR(15)), N'\u0010', NCHAR(16)), N'\u0011', NCHAR(17)), N'\u0012', NCHAR(18)), N'\u0013', NCHAR(19)), N'\u0014', NCHAR(20)), N'\u0015', NCHAR(21)), N'\u0016', NCHAR(22)), N'\u0017', NCHAR(23)), N'\u0018', NCHAR(24)), N'\u0019', NCHAR(25)), N'\u001a', NCHAR(26)), N'\u001b', NCHAR(27)), N'\u001c', NCHAR(28)), N'\u001d', NCHAR(29)), N'\u001e', NCHAR(30)), N'\u001f', NCHAR(31)), N'\u0001', NCHAR(1) + NCHAR(2)) ELSE REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[name] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)) END, NCHAR(1) + NCHAR(3), N'\'), NCHAR(1) + NCHAR(2), NCHAR(1)) COLLATE DATABASE_DEFAULT ELSE j.[name] END AS [name],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[option]) > 0 THEN REPLACE(REPLACE(CASE WHEN CHARINDEX(N'\u00', j.[option]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[option] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), N'\u0002', NCHAR(2)), N'\u0003', NCHAR(3)), N'\u0004', NCHAR(4)), N'\u0005', NCHAR(5)), N'\u0006', NCHAR(6)), N'\u0007', NCHAR(7)), N'\u000b', NCHAR(11)), N'\u000e', NCHAR(14)), N'\u000f', NCHAR(15)), N'\u0010', NCHAR(16)), N'\u0011', NCHAR(17)), N'\u0012', NCHAR(18)), N'\u0013', NCHAR(19)), N'\u0014', NCHAR(20)), N'\u0015', NCHAR(21)), N'\u0016', NCHAR(22)), N'\u0017', NCHAR(23)), N'\u0018', NCHAR(24)), N'\u0019', NCHAR(25)), N'\u001a', NCHAR(26)), N'\u001b', NCHAR(27)), N'\u001c', NCHAR(28)), N'\u001d', NCHAR(29)), N'\u001e', NCHAR(30)), N'\u001f', NCHAR(31)), N'\u0001', NCHAR(1) + NCHAR(2)) ELSE REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[option] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)) END, NCHAR(1) + NCHAR(3), N'\'), NCHAR(1) + NCHAR(2), NCHAR(1)) COLLATE DATABASE_DEFAULT ELSE j.[option] END AS [option], @loaded_at, @run_id
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [bank_transaction_id] UNIQUEIDENTIFIER '$."bank_transaction_id"',
    [line_item_id] UNIQUEIDENTIFIER '$."line_item_id"',
    [_position] INT '$."_position"',
    [tracking_category_id] UNIQUEIDENTIFIER '$."tracking_category_id"',
    [tracking_option_id] UNIQUEIDENTIFIER '$."tracking_option_id"',
    [name] NVARCHAR(MAX) '$."name"',
    [option] NVARCHAR(MAX) '$."option"'
) AS j
