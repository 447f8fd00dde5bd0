SELECT [action], [quote_id], [is_deleted], [was_deleted] FROM #applied
