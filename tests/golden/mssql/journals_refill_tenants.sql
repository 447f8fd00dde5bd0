SELECT DISTINCT [tenant_id] FROM [xero].[journals] ORDER BY [tenant_id]
