SELECT [action], [repeating_invoice_id], [is_deleted], [was_deleted] FROM #applied
