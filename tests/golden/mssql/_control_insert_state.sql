INSERT INTO [xero].[_sync_state] ([object], [tenant_id], [watermark_ts], [watermark_int], [last_run_id], [updated_at]) VALUES (%s, %s, %s, %s, %s, %s)
