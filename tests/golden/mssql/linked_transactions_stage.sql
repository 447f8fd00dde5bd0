DECLARE @json NVARCHAR(MAX) = %s;
DECLARE @json_escaped BIT = CASE WHEN JSON_VALUE(N'["\\"]', '$[0]') = N'\' THEN 0 ELSE 1 END;
DROP TABLE IF EXISTS #stage;
SELECT j.[tenant_id],
       j.[linked_transaction_id],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[type]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[type] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), N'\u0002', NCHAR(2)), N'\u0003', NCHAR(3)), N'\u0004', NCHAR(4)), N'\u0005', NCHAR(5)), N'\u0006', NCHAR(6)), N'\u0007', NCHAR(7)), N'\u000b', NCHAR(11)), N'\u000e', NCHAR(14)), N'\u000f', NCHAR(15)), N'\u0010', NCHAR(16)), N'\u0011', NCHAR(17)), N'\u0012', NCHAR(18)), N'\u0013', NCHAR(19)), N'\u0014', NCHAR(20)), N'\u0015', NCHAR(21)), N'\u0016', NCHAR(22)), N'\u0017', NCHAR(23)), N'\u0018', NCHAR(24)), N'\u0019', NCHAR(25)), N'\u001a', NCHAR(26)), N'\u001b', NCHAR(27)), N'\u001c', NCHAR(28)), N'\u001d', NCHAR(29)), N'\u001e', NCHAR(30)), N'\u001f', NCHAR(31)), N'\u0001', NCHAR(1) + NCHAR(2)), NCHAR(1) + NCHAR(3), N'\'), NCHAR(1) + NCHAR(2), NCHAR(1)) COLLATE DATABASE_DEFAULT ELSE j.[type] END AS [type],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[status]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[status] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), N'\u0002', NCHAR(2)), N'\u0003', NCHAR(3)), N'\u0004', NCHAR(4)), N'\u0005', NCHAR(5)), N'\u0006', NCHAR(6)), N'\u0007', NCHAR(7)), N'\u000b', NCHAR(11)), N'\u000e', NCHAR(14)), N'\u000f', NCHAR(15)), N'\u0010', NCHAR(16)), N'\u0011', NCHAR(17)), N'\u0012', NCHAR(18)), N'\u0013', NCHAR(19)), N'\u0014', NCHAR(20)), N'\u0015', NCHAR(21)), N'\u0016', NCHAR(22)), N'\u0017', NCHAR(23)), N'\u0018', NCHAR(24)), N'\u0019', NCHAR(25)), N'\u001a', NCHAR(26)), N'\u001b', NCHAR(27)), N'\u001c', NCHAR(28)), N'\u001d', NCHAR(29)), N'\u001e', NCHAR(30)), N'\u001f', NCHAR(31)), N'\u0001', NCHAR(1) + NCHAR(2)), NCHAR(1) + NCHAR(3), N'\'), NCHAR(1) + NCHAR(2), NCHAR(1)) COLLATE DATABASE_DEFAULT ELSE j.[status] END AS [status],
       j.[source_transaction_id],
       j.[source_line_item_id],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[source_transaction_type_code]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[source_transaction_type_code] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), N'\u0002', NCHAR(2)), N'\u0003', NCHAR(3)), N'\u0004', NCHAR(4)), N'\u0005', NCHAR(5)), N'\u0006', NCHAR(6)), N'\u0007', NCHAR(7)), N'\u000b', NCHAR(11)), N'\u000e', NCHAR(14)), N'\u000f', NCHAR(15)), N'\u0010', NCHAR(16)), N'\u0011', NCHAR(17)), N'\u0012', NCHAR(18)), N'\u0013', NCHAR(19)), N'\u0014', NCHAR(20)), N'\u0015', NCHAR(21)), N'\u0016', NCHAR(22)), N'\u0017', NCHAR(23)), N'\u0018', NCHAR(24)), N'\u0019', NCHAR(25)), N'\u001a', NCHAR(26)), N'\u001b', NCHAR(27)), N'\u001c', NCHAR(28)), N'\u001d', NCHAR(29)), N'\u001e', NCHAR(30)), N'\u001f', NCHAR(31)), N'\u0001', NCHAR(1) + NCHAR(2)), NCHAR(1) + NCHAR(3), N'\'), NCHAR(1) + NCHAR(2), NCHAR(1)) COLLATE DATABASE_DEFAULT ELSE j.[source_transaction_type_code] END AS [source_transaction_type_code],
       j.[contact_id],
       j.[target_transaction_id],
       j.[target_line_item_id],
       j.[updated_date_utc],
       j.[is_deleted],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[_raw_json]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[_raw_json] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), N'\u0002', NCHAR(2)), N'\u0003', NCHAR(3)), N'\u0004', NCHAR(4)), N'\u0005', NCHAR(5)), N'\u0006', NCHAR(6)), N'\u0007', NCHAR(7)), N'\u000b', NCHAR(11)), N'\u000e', NCHAR(14)), N'\u000f', NCHAR(15)), N'\u0010', NCHAR(16)), N'\u0011', NCHAR(17)), N'\u0012', NCHAR(18)), N'\u0013', NCHAR(19)), N'\u0014', NCHAR(20)), N'\u0015', NCHAR(21)), N'\u0016', NCHAR(22)), N'\u0017', NCHAR(23)), N'\u0018', NCHAR(24)), N'\u0019', NCHAR(25)), N'\u001a', NCHAR(26)), N'\u001b', NCHAR(27)), N'\u001c', NCHAR(28)), N'\u001d', NCHAR(29)), N'\u001e', NCHAR(30)), N'\u001f', NCHAR(31)), N'\u0001', NCHAR(1) + NCHAR(2)), NCHAR(1) + NCHAR(3), N'\'), NCHAR(1) + NCHAR(2), NCHAR(1)) COLLATE DATABASE_DEFAULT ELSE j.[_raw_json] END AS [_raw_json]
INTO #stage
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [linked_transaction_id] UNIQUEIDENTIFIER '$."linked_transaction_id"',
    [type] NVARCHAR(MAX) '$."type"',
    [status] NVARCHAR(MAX) '$."status"',
    [source_transaction_id] UNIQUEIDENTIFIER '$."source_transaction_id"',
    [source_line_item_id] UNIQUEIDENTIFIER '$."source_line_item_id"',
    [source_transaction_type_code] NVARCHAR(MAX) '$."source_transaction_type_code"',
    [contact_id] UNIQUEIDENTIFIER '$."contact_id"',
    [target_transaction_id] UNIQUEIDENTIFIER '$."target_transaction_id"',
    [target_line_item_id] UNIQUEIDENTIFIER '$."target_line_item_id"',
    [updated_date_utc] DATETIME2(3) '$."updated_date_utc"',
    [is_deleted] BIT '$."is_deleted"',
    [_raw_json] NVARCHAR(MAX) '$."_raw_json"'
) AS j;
DROP TABLE IF EXISTS #applied;
CREATE TABLE #applied ([action] NVARCHAR(10) NOT NULL, [tenant_id] UNIQUEIDENTIFIER NOT NULL, [linked_transaction_id] UNIQUEIDENTIFIER NOT NULL, [is_deleted] BIT NOT NULL, [was_deleted] BIT NULL)
