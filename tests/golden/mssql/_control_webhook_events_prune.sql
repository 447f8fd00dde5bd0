DELETE FROM [xero].[_webhook_events] WHERE [processed_at] IS NOT NULL AND [received_at] < %s
