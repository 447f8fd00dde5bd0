SELECT TOP (1000) [overpayment_id], [is_deleted], [_raw_json] FROM [xero].[overpayments] WHERE [tenant_id] = %s AND [overpayment_id] > CAST(%s AS UNIQUEIDENTIFIER) ORDER BY [overpayment_id]
