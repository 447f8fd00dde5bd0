SELECT DISTINCT [tenant_id] FROM [xero].[invoices] ORDER BY [tenant_id]
