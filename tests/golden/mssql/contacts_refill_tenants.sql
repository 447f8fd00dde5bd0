SELECT DISTINCT [tenant_id] FROM [xero].[contacts] ORDER BY [tenant_id]
