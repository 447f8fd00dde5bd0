SELECT [action], [payment_id], [is_deleted], [was_deleted] FROM #applied
