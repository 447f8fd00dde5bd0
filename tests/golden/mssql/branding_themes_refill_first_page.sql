SELECT TOP (1000) [branding_theme_id], [is_deleted], [_raw_json] FROM [xero].[branding_themes] WHERE [tenant_id] = %s ORDER BY [branding_theme_id]
