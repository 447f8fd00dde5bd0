SELECT TOP (1000) [tax_type], [is_deleted], [_raw_json] FROM [xero].[tax_rates] WHERE [tenant_id] = %s ORDER BY [tax_type]
