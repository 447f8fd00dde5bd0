INSERT INTO #applied ([action], [tenant_id], [repeating_invoice_id], [is_deleted], [was_deleted])
SELECT N'UPDATE', s.[tenant_id], s.[repeating_invoice_id], s.[is_deleted], s.[is_deleted]
FROM #stage AS s
WHERE NOT EXISTS (SELECT 1 FROM #applied AS a WHERE a.[tenant_id] = s.[tenant_id] AND a.[repeating_invoice_id] = s.[repeating_invoice_id])
