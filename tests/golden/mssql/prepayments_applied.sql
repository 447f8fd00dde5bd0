SELECT [action], [prepayment_id], [is_deleted], [was_deleted] FROM #applied
