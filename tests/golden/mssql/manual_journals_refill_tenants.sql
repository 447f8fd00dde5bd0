SELECT DISTINCT [tenant_id] FROM [xero].[manual_journals] ORDER BY [tenant_id]
