SELECT [action], [manual_journal_id], [is_deleted], [was_deleted] FROM #applied
