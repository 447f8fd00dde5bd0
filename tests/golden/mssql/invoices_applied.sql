SELECT [action], [invoice_id], [is_deleted], [was_deleted] FROM #applied
