SELECT TOP (1000) [record_key], [raw_json] FROM [xero].[_quarantine] WHERE [tenant_id] = %s AND [object] = %s AND [record_key] IS NOT NULL ORDER BY [record_key]
