DECLARE @json NVARCHAR(MAX) = %s, @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
DELETE c FROM [xero].[contact_purchases_tracking_categories] AS c
WHERE EXISTS (SELECT 1 FROM #applied AS a WHERE a.[action] = N'UPDATE' AND a.[tenant_id] = c.[tenant_id] AND a.[contact_id] = c.[contact_id]);
INSERT INTO [xero].[contact_purchases_tracking_categories] ([tenant_id], [contact_id], [_position], [tracking_category_name], [tracking_option_name], [_loaded_at], [_run_id])
SELECT j.[tenant_id], j.[contact_id], j.[_position], j.[tracking_category_name], j.[tracking_option_name], @loaded_at, @run_id
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [contact_id] UNIQUEIDENTIFIER '$."contact_id"',
    [_position] INT '$."_position"',
    [tracking_category_name] NVARCHAR(MAX) '$."tracking_category_name"',
    [tracking_option_name] NVARCHAR(MAX) '$."tracking_option_name"'
) AS j
