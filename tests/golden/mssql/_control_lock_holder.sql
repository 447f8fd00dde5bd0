SELECT [run_id], [holder], [acquired_at] FROM [xero].[_sync_locks] WHERE [object] = %s AND [tenant_id] = %s
