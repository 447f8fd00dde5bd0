SELECT DISTINCT [tenant_id] FROM [xero].[employees] ORDER BY [tenant_id]
