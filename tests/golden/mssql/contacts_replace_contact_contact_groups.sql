DECLARE @json NVARCHAR(MAX) = %s, @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
DECLARE @json_escaped BIT = CASE WHEN JSON_VALUE(N'["\\"]', '$[0]') = N'\' THEN 0 ELSE 1 END;
DELETE c FROM [xero].[contact_contact_groups] AS c
WHERE EXISTS (SELECT 1 FROM #applied AS a WHERE a.[action] = N'UPDATE' AND a.[tenant_id] = c.[tenant_id] AND a.[contact_id] = c.[contact_id]);
INSERT INTO [xero].[contact_contact_groups] ([tenant_id], [contact_id], [_position], [contact_group_id], [name], [status], [_loaded_at], [_run_id])
SELECT j.[tenant_id],
       j.[contact_id],
       j.[_position],
       j.[contact_group_id],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[name]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[name] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[name] END AS [name],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[status]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[status] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[status] END AS [status], @loaded_at, @run_id
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [contact_id] UNIQUEIDENTIFIER '$."contact_id"',
    [_position] INT '$."_position"',
    [contact_group_id] UNIQUEIDENTIFIER '$."contact_group_id"',
    [name] NVARCHAR(MAX) '$."name"',
    [status] NVARCHAR(MAX) '$."status"'
) AS j
