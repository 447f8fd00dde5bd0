DECLARE @run_id NVARCHAR(250) = %s, @tenant_id UNIQUEIDENTIFIER = %s, @keys NVARCHAR(MAX) = %s;
UPDATE t SET [_run_id] = @run_id
FROM [xero].[manual_journals] AS t
WHERE t.[tenant_id] = @tenant_id AND t.[manual_journal_id] IN (SELECT k.[key] FROM OPENJSON(@keys) WITH ([key] UNIQUEIDENTIFIER '$') AS k)
  AND t.[_run_id] <> @run_id
