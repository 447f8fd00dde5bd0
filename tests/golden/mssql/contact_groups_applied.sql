SELECT [action], [contact_group_id], [is_deleted], [was_deleted] FROM #applied
