SELECT [action], [tax_type], [is_deleted], [was_deleted] FROM #applied
