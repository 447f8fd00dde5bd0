SELECT DISTINCT [tenant_id] FROM [xero].[credit_notes] ORDER BY [tenant_id]
