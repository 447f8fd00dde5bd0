DECLARE @json NVARCHAR(MAX) = %s;
DECLARE @json_escaped BIT = CASE WHEN JSON_VALUE(N'["\\"]', '$[0]') = N'\' THEN 0 ELSE 1 END;
DROP TABLE IF EXISTS #stage;
SELECT j.[tenant_id],
       j.[user_id],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[first_name]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[first_name] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[first_name] END AS [first_name],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[last_name]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[last_name] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[last_name] END AS [last_name],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[email_address]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[email_address] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[email_address] END AS [email_address],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[organisation_role]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[organisation_role] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[organisation_role] END AS [organisation_role],
       j.[is_subscriber],
       j.[updated_date_utc],
       j.[is_deleted],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[_raw_json]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[_raw_json] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[_raw_json] END AS [_raw_json]
INTO #stage
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [user_id] UNIQUEIDENTIFIER '$."user_id"',
    [first_name] NVARCHAR(MAX) '$."first_name"',
    [last_name] NVARCHAR(MAX) '$."last_name"',
    [email_address] NVARCHAR(MAX) '$."email_address"',
    [organisation_role] NVARCHAR(MAX) '$."organisation_role"',
    [is_subscriber] BIT '$."is_subscriber"',
    [updated_date_utc] DATETIME2(3) '$."updated_date_utc"',
    [is_deleted] BIT '$."is_deleted"',
    [_raw_json] NVARCHAR(MAX) '$."_raw_json"'
) AS j;
DROP TABLE IF EXISTS #applied;
CREATE TABLE #applied ([action] NVARCHAR(10) NOT NULL, [tenant_id] UNIQUEIDENTIFIER NOT NULL, [user_id] UNIQUEIDENTIFIER NOT NULL, [is_deleted] BIT NOT NULL, [was_deleted] BIT NULL)
