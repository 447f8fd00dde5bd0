DECLARE @json NVARCHAR(MAX) = %s, @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
DELETE c FROM [xero].[tracking_category_options] AS c
WHERE EXISTS (SELECT 1 FROM #applied AS a WHERE a.[action] = N'UPDATE' AND a.[tenant_id] = c.[tenant_id] AND a.[tracking_category_id] = c.[tracking_category_id]);
INSERT INTO [xero].[tracking_category_options] ([tenant_id], [tracking_category_id], [_position], [tracking_option_id], [name], [status], [_loaded_at], [_run_id])
SELECT j.[tenant_id], j.[tracking_category_id], j.[_position], j.[tracking_option_id], j.[name], j.[status], @loaded_at, @run_id
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [tracking_category_id] UNIQUEIDENTIFIER '$."tracking_category_id"',
    [_position] INT '$."_position"',
    [tracking_option_id] UNIQUEIDENTIFIER '$."tracking_option_id"',
    [name] NVARCHAR(MAX) '$."name"',
    [status] NVARCHAR(MAX) '$."status"'
) AS j
