SELECT [action], [bank_transaction_id], [is_deleted], [was_deleted] FROM #applied
