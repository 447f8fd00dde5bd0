SELECT TOP (1000) [linked_transaction_id], [is_deleted], [_raw_json] FROM [xero].[linked_transactions] WHERE [tenant_id] = %s ORDER BY [linked_transaction_id]
