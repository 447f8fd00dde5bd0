DECLARE @json NVARCHAR(MAX) = %s;
DECLARE @json_escaped BIT = CASE WHEN JSON_VALUE(N'["\\"]', '$[0]') = N'\' THEN 0 ELSE 1 END;
DROP TABLE IF EXISTS #stage;
SELECT j.[tenant_id],
       j.[manual_journal_id],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[narration]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[narration] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[narration] END AS [narration],
       j.[date],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[status]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[status] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[status] END AS [status],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[line_amount_types]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[line_amount_types] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[line_amount_types] END AS [line_amount_types],
       j.[show_on_cash_basis_reports],
       j.[has_attachments],
       j.[updated_date_utc],
       j.[is_deleted],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[_raw_json]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[_raw_json] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[_raw_json] END AS [_raw_json]
INTO #stage
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [manual_journal_id] UNIQUEIDENTIFIER '$."manual_journal_id"',
    [narration] NVARCHAR(MAX) '$."narration"',
    [date] DATE '$."date"',
    [status] NVARCHAR(MAX) '$."status"',
    [line_amount_types] NVARCHAR(MAX) '$."line_amount_types"',
    [show_on_cash_basis_reports] BIT '$."show_on_cash_basis_reports"',
    [has_attachments] BIT '$."has_attachments"',
    [updated_date_utc] DATETIME2(3) '$."updated_date_utc"',
    [is_deleted] BIT '$."is_deleted"',
    [_raw_json] NVARCHAR(MAX) '$."_raw_json"'
) AS j;
DROP TABLE IF EXISTS #applied;
CREATE TABLE #applied ([action] NVARCHAR(10) NOT NULL, [tenant_id] UNIQUEIDENTIFIER NOT NULL, [manual_journal_id] UNIQUEIDENTIFIER NOT NULL, [is_deleted] BIT NOT NULL, [was_deleted] BIT NULL)
