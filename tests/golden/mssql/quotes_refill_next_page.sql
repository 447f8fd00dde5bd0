SELECT TOP (1000) [quote_id], [is_deleted], [_raw_json] FROM [xero].[quotes] WHERE [tenant_id] = %s AND [quote_id] > CAST(%s AS UNIQUEIDENTIFIER) ORDER BY [quote_id]
