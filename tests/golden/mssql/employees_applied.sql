SELECT [action], [employee_id], [is_deleted], [was_deleted] FROM #applied
