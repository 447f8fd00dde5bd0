INSERT INTO #applied ([action], [tenant_id], [code], [is_deleted], [was_deleted])
SELECT N'UPDATE', s.[tenant_id], s.[code], s.[is_deleted], s.[is_deleted]
FROM #stage AS s
WHERE NOT EXISTS (SELECT 1 FROM #applied AS a WHERE a.[tenant_id] = s.[tenant_id] AND a.[code] = s.[code])
