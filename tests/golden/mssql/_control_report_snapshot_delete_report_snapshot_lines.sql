DELETE FROM [xero].[report_snapshot_lines] WHERE [tenant_id] = %s AND [snapshot_key] = %s
