SELECT TOP (1000) [employee_id], [is_deleted], [_raw_json] FROM [xero].[employees] WHERE [tenant_id] = %s AND [employee_id] > CAST(%s AS UNIQUEIDENTIFIER) ORDER BY [employee_id]
