SELECT TOP (1000) [contact_group_id], [is_deleted], [_raw_json] FROM [xero].[contact_groups] WHERE [tenant_id] = %s ORDER BY [contact_group_id]
