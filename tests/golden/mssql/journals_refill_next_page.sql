SELECT TOP (1000) [journal_id], [is_deleted], [_raw_json] FROM [xero].[journals] WHERE [tenant_id] = %s AND [journal_id] > CAST(%s AS UNIQUEIDENTIFIER) ORDER BY [journal_id]
