SELECT TOP (1000) [tax_type], [is_deleted], [_raw_json] FROM [xero].[tax_rates] WHERE [tenant_id] = %s AND [tax_type] > CAST(%s AS NVARCHAR(50)) ORDER BY [tax_type]
