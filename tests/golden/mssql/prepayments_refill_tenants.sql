SELECT DISTINCT [tenant_id] FROM [xero].[prepayments] ORDER BY [tenant_id]
