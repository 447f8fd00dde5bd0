SELECT TOP (1000) [purchase_order_id], [is_deleted], [_raw_json] FROM [xero].[purchase_orders] WHERE [tenant_id] = %s ORDER BY [purchase_order_id]
