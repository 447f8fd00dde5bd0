SELECT TOP (1000) [user_id], [is_deleted], [_raw_json] FROM [xero].[users] WHERE [tenant_id] = %s AND [user_id] > CAST(%s AS UNIQUEIDENTIFIER) ORDER BY [user_id]
