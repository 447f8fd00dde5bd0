INSERT INTO #applied ([action], [tenant_id], [batch_payment_id], [is_deleted], [was_deleted])
SELECT N'UPDATE', s.[tenant_id], s.[batch_payment_id], s.[is_deleted], s.[is_deleted]
FROM #stage AS s
WHERE NOT EXISTS (SELECT 1 FROM #applied AS a WHERE a.[tenant_id] = s.[tenant_id] AND a.[batch_payment_id] = s.[batch_payment_id])
