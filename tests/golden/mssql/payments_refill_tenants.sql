SELECT DISTINCT [tenant_id] FROM [xero].[payments] ORDER BY [tenant_id]
