SELECT TOP (1000) [tracking_category_id], [is_deleted], [_raw_json] FROM [xero].[tracking_categories] WHERE [tenant_id] = %s ORDER BY [tracking_category_id]
