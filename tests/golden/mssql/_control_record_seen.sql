DECLARE @object NVARCHAR(100) = %s, @tenant_id UNIQUEIDENTIFIER = %s, @run_id NVARCHAR(250) = %s, @keys NVARCHAR(MAX) = %s;
DECLARE @json_escaped BIT = CASE WHEN JSON_VALUE(N'["\\"]', '$[0]') = N'\' THEN 0 ELSE 1 END;
INSERT INTO [xero].[_sync_seen] ([object], [tenant_id], [record_key], [run_id])
SELECT DISTINCT @object, @tenant_id, k.[record_key], @run_id
FROM (SELECT CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[record_key]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[record_key] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[record_key] END AS [record_key]
      FROM OPENJSON(@keys) WITH ([record_key] NVARCHAR(MAX) '$') AS j) AS k
WHERE NOT EXISTS (SELECT 1 FROM [xero].[_sync_seen] AS s WHERE s.[object] = @object AND s.[tenant_id] = @tenant_id AND s.[record_key] = k.[record_key])
