DECLARE @tenant_id UNIQUEIDENTIFIER = %s, @object NVARCHAR(100) = %s, @keys NVARCHAR(MAX) = %s;
DELETE FROM [xero].[_quarantine]
WHERE [tenant_id] = @tenant_id AND [object] = @object AND [record_key] IN (SELECT k.[record_key] FROM OPENJSON(@keys) WITH ([record_key] NVARCHAR(MAX) '$') AS k)
