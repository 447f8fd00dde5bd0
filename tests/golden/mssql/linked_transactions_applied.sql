SELECT [action], [linked_transaction_id], [is_deleted], [was_deleted] FROM #applied
