SELECT DISTINCT [tenant_id] FROM [xero].[bank_transfers] ORDER BY [tenant_id]
