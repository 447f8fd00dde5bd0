SELECT DISTINCT [tenant_id] FROM [xero].[contact_groups] ORDER BY [tenant_id]
