SELECT [action], [account_id], [is_deleted], [was_deleted] FROM #applied
