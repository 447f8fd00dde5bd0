SELECT [action], [item_id], [is_deleted], [was_deleted] FROM #applied
