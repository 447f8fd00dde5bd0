SELECT TOP (1000) [item_id], [is_deleted], [_raw_json] FROM [xero].[items] WHERE [tenant_id] = %s AND [item_id] > CAST(%s AS UNIQUEIDENTIFIER) ORDER BY [item_id]
