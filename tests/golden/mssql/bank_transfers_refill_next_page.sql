SELECT TOP (1000) [bank_transfer_id], [is_deleted], [_raw_json] FROM [xero].[bank_transfers] WHERE [tenant_id] = %s AND [bank_transfer_id] > CAST(%s AS UNIQUEIDENTIFIER) ORDER BY [bank_transfer_id]
