SELECT TOP (1000) [organisation_id], [is_deleted], [_raw_json] FROM [xero].[organisation] WHERE [tenant_id] = %s ORDER BY [organisation_id]
