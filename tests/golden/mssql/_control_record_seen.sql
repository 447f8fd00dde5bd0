DECLARE @object NVARCHAR(100) = %s, @tenant_id UNIQUEIDENTIFIER = %s, @run_id NVARCHAR(250) = %s, @keys NVARCHAR(MAX) = %s;
INSERT INTO [xero].[_sync_seen] ([object], [tenant_id], [record_key], [run_id])
SELECT DISTINCT @object, @tenant_id, k.[record_key], @run_id
FROM OPENJSON(@keys) WITH ([record_key] NVARCHAR(MAX) '$') AS k
WHERE NOT EXISTS (SELECT 1 FROM [xero].[_sync_seen] AS s WHERE s.[object] = @object AND s.[tenant_id] = @tenant_id AND s.[record_key] = k.[record_key])
