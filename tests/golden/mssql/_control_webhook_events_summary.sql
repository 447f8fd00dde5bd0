SELECT COUNT(*), MAX([received_at]), MIN([received_at]) FROM [xero].[_webhook_events] WHERE [category] = %s AND [processed_at] IS NULL
