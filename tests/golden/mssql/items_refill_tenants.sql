SELECT DISTINCT [tenant_id] FROM [xero].[items] ORDER BY [tenant_id]
