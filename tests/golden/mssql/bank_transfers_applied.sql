SELECT [action], [bank_transfer_id], [is_deleted], [was_deleted] FROM #applied
