DECLARE @run_id NVARCHAR(250) = %s, @tenant_id UNIQUEIDENTIFIER = %s, @keys NVARCHAR(MAX) = %s;
UPDATE t SET [_run_id] = @run_id
FROM [xero].[tax_rates] AS t
WHERE t.[tenant_id] = @tenant_id AND t.[tax_type] IN (SELECT k.[key] FROM OPENJSON(@keys) WITH ([key] NVARCHAR(50) '$') AS k)
  AND t.[_run_id] <> @run_id
