INSERT INTO #applied ([action], [tenant_id], [linked_transaction_id], [is_deleted], [was_deleted])
SELECT N'UPDATE', s.[tenant_id], s.[linked_transaction_id], s.[is_deleted], s.[is_deleted]
FROM #stage AS s
WHERE NOT EXISTS (SELECT 1 FROM #applied AS a WHERE a.[tenant_id] = s.[tenant_id] AND a.[linked_transaction_id] = s.[linked_transaction_id])
