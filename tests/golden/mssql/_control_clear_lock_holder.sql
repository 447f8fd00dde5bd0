DELETE FROM [xero].[_sync_locks] WHERE [object] = %s AND [tenant_id] = %s
