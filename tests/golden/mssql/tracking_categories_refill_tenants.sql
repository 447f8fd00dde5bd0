SELECT DISTINCT [tenant_id] FROM [xero].[tracking_categories] ORDER BY [tenant_id]
