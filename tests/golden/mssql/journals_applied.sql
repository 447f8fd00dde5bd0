SELECT [action], [journal_id], [is_deleted], [was_deleted] FROM #applied
