DELETE FROM [xero].[report_snapshots] WHERE [tenant_id] = %s AND [snapshot_key] = %s
