SELECT [action], [contact_id], [is_deleted], [was_deleted] FROM #applied
