DECLARE @json NVARCHAR(MAX) = %s;
DECLARE @json_escaped BIT = CASE WHEN JSON_VALUE(N'["\\"]', '$[0]') = N'\' THEN 0 ELSE 1 END;
DROP TABLE IF EXISTS #stage;
SELECT j.[tenant_id],
       j.[journal_id],
       j.[journal_number],
       j.[journal_date],
       j.[created_date_utc],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[reference]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[reference] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), N'\u0002', NCHAR(2)), N'\u0003', NCHAR(3)), N'\u0004', NCHAR(4)), N'\u0005', NCHAR(5)), N'\u0006', NCHAR(6)), N'\u0007', NCHAR(7)), N'\u000b', NCHAR(11)), N'\u000e', NCHAR(14)), N'\u000f', NCHAR(15)), N'\u0010', NCHAR(16)), N'\u0011', NCHAR(17)), N'\u0012', NCHAR(18)), N'\u0013', NCHAR(19)), N'\u0014', NCHAR(20)), N'\u0015', NCHAR(21)), N'\u0016', NCHAR(22)), N'\u0017', NCHAR(23)), N'\u0018', NCHAR(24)), N'\u0019', NCHAR(25)), N'\u001a', NCHAR(26)), N'\u001b', NCHAR(27)), N'\u001c', NCHAR(28)), N'\u001d', NCHAR(29)), N'\u001e', NCHAR(30)), N'\u001f', NCHAR(31)), N'\u0001', NCHAR(1) + NCHAR(2)), NCHAR(1) + NCHAR(3), N'\'), NCHAR(1) + NCHAR(2), NCHAR(1)) COLLATE DATABASE_DEFAULT ELSE j.[reference] END AS [reference],
       j.[source_id],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[source_type]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[source_type] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), N'\u0002', NCHAR(2)), N'\u0003', NCHAR(3)), N'\u0004', NCHAR(4)), N'\u0005', NCHAR(5)), N'\u0006', NCHAR(6)), N'\u0007', NCHAR(7)), N'\u000b', NCHAR(11)), N'\u000e', NCHAR(14)), N'\u000f', NCHAR(15)), N'\u0010', NCHAR(16)), N'\u0011', NCHAR(17)), N'\u0012', NCHAR(18)), N'\u0013', NCHAR(19)), N'\u0014', NCHAR(20)), N'\u0015', NCHAR(21)), N'\u0016', NCHAR(22)), N'\u0017', NCHAR(23)), N'\u0018', NCHAR(24)), N'\u0019', NCHAR(25)), N'\u001a', NCHAR(26)), N'\u001b', NCHAR(27)), N'\u001c', NCHAR(28)), N'\u001d', NCHAR(29)), N'\u001e', NCHAR(30)), N'\u001f', NCHAR(31)), N'\u0001', NCHAR(1) + NCHAR(2)), NCHAR(1) + NCHAR(3), N'\'), NCHAR(1) + NCHAR(2), NCHAR(1)) COLLATE DATABASE_DEFAULT ELSE j.[source_type] END AS [source_type],
       j.[is_deleted],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[_raw_json]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[_raw_json] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), N'\u0002', NCHAR(2)), N'\u0003', NCHAR(3)), N'\u0004', NCHAR(4)), N'\u0005', NCHAR(5)), N'\u0006', NCHAR(6)), N'\u0007', NCHAR(7)), N'\u000b', NCHAR(11)), N'\u000e', NCHAR(14)), N'\u000f', NCHAR(15)), N'\u0010', NCHAR(16)), N'\u0011', NCHAR(17)), N'\u0012', NCHAR(18)), N'\u0013', NCHAR(19)), N'\u0014', NCHAR(20)), N'\u0015', NCHAR(21)), N'\u0016', NCHAR(22)), N'\u0017', NCHAR(23)), N'\u0018', NCHAR(24)), N'\u0019', NCHAR(25)), N'\u001a', NCHAR(26)), N'\u001b', NCHAR(27)), N'\u001c', NCHAR(28)), N'\u001d', NCHAR(29)), N'\u001e', NCHAR(30)), N'\u001f', NCHAR(31)), N'\u0001', NCHAR(1) + NCHAR(2)), NCHAR(1) + NCHAR(3), N'\'), NCHAR(1) + NCHAR(2), NCHAR(1)) COLLATE DATABASE_DEFAULT ELSE j.[_raw_json] END AS [_raw_json]
INTO #stage
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [journal_id] UNIQUEIDENTIFIER '$."journal_id"',
    [journal_number] BIGINT '$."journal_number"',
    [journal_date] DATE '$."journal_date"',
    [created_date_utc] DATETIME2(3) '$."created_date_utc"',
    [reference] NVARCHAR(MAX) '$."reference"',
    [source_id] UNIQUEIDENTIFIER '$."source_id"',
    [source_type] NVARCHAR(MAX) '$."source_type"',
    [is_deleted] BIT '$."is_deleted"',
    [_raw_json] NVARCHAR(MAX) '$."_raw_json"'
) AS j;
DROP TABLE IF EXISTS #applied;
CREATE TABLE #applied ([action] NVARCHAR(10) NOT NULL, [tenant_id] UNIQUEIDENTIFIER NOT NULL, [journal_id] UNIQUEIDENTIFIER NOT NULL, [is_deleted] BIT NOT NULL, [was_deleted] BIT NULL)
