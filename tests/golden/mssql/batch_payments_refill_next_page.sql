SELECT TOP (1000) [batch_payment_id], [is_deleted], [_raw_json] FROM [xero].[batch_payments] WHERE [tenant_id] = %s AND [batch_payment_id] > CAST(%s AS UNIQUEIDENTIFIER) ORDER BY [batch_payment_id]
