SELECT [watermark_ts], [watermark_int], [last_run_id], [updated_at] FROM [xero].[_sync_state] WHERE [object] = %s AND [tenant_id] = %s
