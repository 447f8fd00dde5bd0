SELECT DISTINCT [tenant_id] FROM [xero].[users] ORDER BY [tenant_id]
