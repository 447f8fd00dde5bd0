SELECT [action], [branding_theme_id], [is_deleted], [was_deleted] FROM #applied
