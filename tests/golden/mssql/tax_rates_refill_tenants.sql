SELECT DISTINCT [tenant_id] FROM [xero].[tax_rates] ORDER BY [tenant_id]
