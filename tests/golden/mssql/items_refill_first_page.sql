SELECT TOP (1000) [item_id], [is_deleted], [_raw_json] FROM [xero].[items] WHERE [tenant_id] = %s ORDER BY [item_id]
