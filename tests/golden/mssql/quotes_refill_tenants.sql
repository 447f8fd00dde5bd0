SELECT DISTINCT [tenant_id] FROM [xero].[quotes] ORDER BY [tenant_id]
