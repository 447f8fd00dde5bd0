SELECT DISTINCT [tenant_id] FROM [xero].[bank_transactions] ORDER BY [tenant_id]
