UPDATE [xero].[prepayments] SET [is_deleted] = %s, [_loaded_at] = %s WHERE [tenant_id] = %s AND [is_deleted] = %s AND [_run_id] <> %s
