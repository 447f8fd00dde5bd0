SELECT TOP (1000) [batch_payment_id], [is_deleted], [_raw_json] FROM [xero].[batch_payments] WHERE [tenant_id] = %s ORDER BY [batch_payment_id]
