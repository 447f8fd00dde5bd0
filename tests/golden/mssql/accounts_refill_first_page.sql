SELECT TOP (1000) [account_id], [is_deleted], [_raw_json] FROM [xero].[accounts] WHERE [tenant_id] = %s ORDER BY [account_id]
