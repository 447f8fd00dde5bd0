SELECT DISTINCT [tenant_id] FROM [xero].[purchase_orders] ORDER BY [tenant_id]
