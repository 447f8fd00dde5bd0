SELECT TOP (1000) [prepayment_id], [is_deleted], [_raw_json] FROM [xero].[prepayments] WHERE [tenant_id] = %s ORDER BY [prepayment_id]
