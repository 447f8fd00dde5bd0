SELECT TOP (20000) [event_key], [resource_id], [received_at] FROM [xero].[_webhook_events] WHERE [tenant_id] = %s AND [category] = %s AND [processed_at] IS NULL ORDER BY [received_at], [event_key]
