SELECT [action], [overpayment_id], [is_deleted], [was_deleted] FROM #applied
