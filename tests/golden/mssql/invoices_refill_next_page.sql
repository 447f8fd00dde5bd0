SELECT TOP (1000) [invoice_id], [is_deleted], [_raw_json] FROM [xero].[invoices] WHERE [tenant_id] = %s AND [invoice_id] > CAST(%s AS UNIQUEIDENTIFIER) ORDER BY [invoice_id]
