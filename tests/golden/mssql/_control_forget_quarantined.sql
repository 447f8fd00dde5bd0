DECLARE @tenant_id UNIQUEIDENTIFIER = %s, @object NVARCHAR(100) = %s, @keys NVARCHAR(MAX) = %s;
DECLARE @json_escaped BIT = CASE WHEN JSON_VALUE(N'["\\"]', '$[0]') = N'\' THEN 0 ELSE 1 END;
DELETE FROM [xero].[_quarantine]
WHERE [tenant_id] = @tenant_id AND [object] = @object AND [record_key] IN (SELECT CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', k.[record_key]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(k.[record_key] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE k.[record_key] END FROM OPENJSON(@keys) WITH ([record_key] NVARCHAR(MAX) '$') AS k)
