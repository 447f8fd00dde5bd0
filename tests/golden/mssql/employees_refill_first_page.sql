SELECT TOP (1000) [employee_id], [is_deleted], [_raw_json] FROM [xero].[employees] WHERE [tenant_id] = %s ORDER BY [employee_id]
