SELECT TOP (1000) [organisation_id], [is_deleted], [_raw_json] FROM [xero].[organisation] WHERE [tenant_id] = %s AND [organisation_id] > CAST(%s AS UNIQUEIDENTIFIER) ORDER BY [organisation_id]
