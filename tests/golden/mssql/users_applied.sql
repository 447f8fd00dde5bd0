SELECT [action], [user_id], [is_deleted], [was_deleted] FROM #applied
