SELECT TOP (1000) [bank_transaction_id], [is_deleted], [_raw_json] FROM [xero].[bank_transactions] WHERE [tenant_id] = %s ORDER BY [bank_transaction_id]
