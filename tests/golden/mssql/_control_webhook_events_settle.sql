UPDATE [xero].[_webhook_events] SET [processed_at] = %s, [run_id] = %s WHERE [tenant_id] = %s AND [category] = %s AND [processed_at] IS NULL AND [received_at] < %s
