SELECT [action], [purchase_order_id], [is_deleted], [was_deleted] FROM #applied
