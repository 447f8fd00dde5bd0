SELECT [action], [credit_note_id], [is_deleted], [was_deleted] FROM #applied
