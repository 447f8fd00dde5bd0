SELECT DISTINCT [tenant_id] FROM [xero].[organisation] ORDER BY [tenant_id]
