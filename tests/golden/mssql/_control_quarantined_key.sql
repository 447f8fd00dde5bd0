SELECT COUNT(*) FROM [xero].[_quarantine] WHERE [tenant_id] = %s AND [object] = %s AND [record_key] = %s
