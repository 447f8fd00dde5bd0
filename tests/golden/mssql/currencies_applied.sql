SELECT [action], [code], [is_deleted], [was_deleted] FROM #applied
