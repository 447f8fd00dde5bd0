SELECT TOP (1000) [code], [is_deleted], [_raw_json] FROM [xero].[currencies] WHERE [tenant_id] = %s AND [code] > CAST(%s AS NVARCHAR(3)) ORDER BY [code]
