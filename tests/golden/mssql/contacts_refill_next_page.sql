SELECT TOP (1000) [contact_id], [is_deleted], [_raw_json] FROM [xero].[contacts] WHERE [tenant_id] = %s AND [contact_id] > CAST(%s AS UNIQUEIDENTIFIER) ORDER BY [contact_id]
