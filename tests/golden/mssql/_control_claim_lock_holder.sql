INSERT INTO [xero].[_sync_locks] ([object], [tenant_id], [run_id], [holder], [acquired_at]) VALUES (%s, %s, %s, %s, %s)
