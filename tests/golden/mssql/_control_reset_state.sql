UPDATE [xero].[_sync_state] SET [watermark_ts] = %s, [watermark_int] = %s, [last_run_id] = %s, [updated_at] = %s WHERE [object] = %s AND [tenant_id] = %s
