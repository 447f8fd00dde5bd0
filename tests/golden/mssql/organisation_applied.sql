SELECT [action], [organisation_id], [is_deleted], [was_deleted] FROM #applied
