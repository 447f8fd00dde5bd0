SELECT TOP (1000) [payment_id], [is_deleted], [_raw_json] FROM [xero].[payments] WHERE [tenant_id] = %s AND [payment_id] > CAST(%s AS UNIQUEIDENTIFIER) ORDER BY [payment_id]
