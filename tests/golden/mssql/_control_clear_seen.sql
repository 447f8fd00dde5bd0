DELETE FROM [xero].[_sync_seen] WHERE [object] = %s AND [tenant_id] = %s
