SELECT TOP (1000) [manual_journal_id], [is_deleted], [_raw_json] FROM [xero].[manual_journals] WHERE [tenant_id] = %s ORDER BY [manual_journal_id]
