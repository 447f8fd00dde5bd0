SELECT TOP (1000) [contact_group_id], [is_deleted], [_raw_json] FROM [xero].[contact_groups] WHERE [tenant_id] = %s AND [contact_group_id] > CAST(%s AS UNIQUEIDENTIFIER) ORDER BY [contact_group_id]
