SELECT DISTINCT [tenant_id] FROM [xero].[overpayments] ORDER BY [tenant_id]
