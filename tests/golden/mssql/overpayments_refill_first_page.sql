SELECT TOP (1000) [overpayment_id], [is_deleted], [_raw_json] FROM [xero].[overpayments] WHERE [tenant_id] = %s ORDER BY [overpayment_id]
