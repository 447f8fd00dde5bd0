SELECT TOP (1000) [credit_note_id], [is_deleted], [_raw_json] FROM [xero].[credit_notes] WHERE [tenant_id] = %s ORDER BY [credit_note_id]
