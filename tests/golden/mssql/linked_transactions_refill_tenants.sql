SELECT DISTINCT [tenant_id] FROM [xero].[linked_transactions] ORDER BY [tenant_id]
