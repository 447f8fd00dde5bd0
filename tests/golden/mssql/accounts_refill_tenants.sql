SELECT DISTINCT [tenant_id] FROM [xero].[accounts] ORDER BY [tenant_id]
