SELECT DISTINCT [tenant_id] FROM [xero].[repeating_invoices] ORDER BY [tenant_id]
