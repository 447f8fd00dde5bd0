INSERT INTO #applied ([action], [tenant_id], [purchase_order_id], [is_deleted], [was_deleted])
SELECT N'UPDATE', s.[tenant_id], s.[purchase_order_id], s.[is_deleted], s.[is_deleted]
FROM #stage AS s
WHERE NOT EXISTS (SELECT 1 FROM #applied AS a WHERE a.[tenant_id] = s.[tenant_id] AND a.[purchase_order_id] = s.[purchase_order_id])
