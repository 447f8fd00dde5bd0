SELECT TOP (1000) [journal_id], [is_deleted], [_raw_json] FROM [xero].[journals] WHERE [tenant_id] = %s ORDER BY [journal_id]
