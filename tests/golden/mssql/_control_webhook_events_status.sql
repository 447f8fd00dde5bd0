SELECT [tenant_id], [category], [received], [processed], [pending], [oldest_pending_seconds], [last_received_at] FROM [xero].[_webhook_status] ORDER BY [tenant_id], [category]
