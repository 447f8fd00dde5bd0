SELECT TOP (1000) [repeating_invoice_id], [is_deleted], [_raw_json] FROM [xero].[repeating_invoices] WHERE [tenant_id] = %s ORDER BY [repeating_invoice_id]
