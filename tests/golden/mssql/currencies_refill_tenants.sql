SELECT DISTINCT [tenant_id] FROM [xero].[currencies] ORDER BY [tenant_id]
