SELECT DISTINCT [tenant_id] FROM [xero].[batch_payments] ORDER BY [tenant_id]
