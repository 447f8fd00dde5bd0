SELECT DISTINCT [tenant_id] FROM [xero].[branding_themes] ORDER BY [tenant_id]
