SELECT [action], [tracking_category_id], [is_deleted], [was_deleted] FROM #applied
