DECLARE @json NVARCHAR(MAX) = %s, @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
DECLARE @json_escaped BIT = CASE WHEN JSON_VALUE(N'["\\"]', '$[0]') = N'\' THEN 0 ELSE 1 END;
DELETE c FROM [xero].[organisation_external_links] AS c
WHERE EXISTS (SELECT 1 FROM #applied AS a WHERE a.[action] = N'UPDATE' AND a.[tenant_id] = c.[tenant_id] AND a.[organisation_id] = c.[organisation_id]);
INSERT INTO [xero].[organisation_external_links] ([tenant_id], [organisation_id], [_position], [link_type], [url], [_loaded_at], [_run_id])
SELECT j.[tenant_id],
       j.[organisation_id],
       j.[_position],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[link_type]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[link_type] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[link_type] END AS [link_type],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[url]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[url] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[url] END AS [url], @loaded_at, @run_id
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [organisation_id] UNIQUEIDENTIFIER '$."organisation_id"',
    [_position] INT '$."_position"',
    [link_type] NVARCHAR(MAX) '$."link_type"',
    [url] NVARCHAR(MAX) '$."url"'
) AS j
