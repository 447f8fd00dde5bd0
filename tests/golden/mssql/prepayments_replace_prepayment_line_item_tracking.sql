DECLARE @json NVARCHAR(MAX) = %s, @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
DELETE c FROM [xero].[prepayment_line_item_tracking] AS c
WHERE EXISTS (SELECT 1 FROM #applied AS a WHERE a.[action] = N'UPDATE' AND a.[tenant_id] = c.[tenant_id] AND a.[prepayment_id] = c.[prepayment_id]);
INSERT INTO [xero].[prepayment_line_item_tracking] ([tenant_id], [prepayment_id], [_parent_position], [_position], [tracking_category_id], [tracking_option_id], [name], [option], [_loaded_at], [_run_id])
SELECT j.[tenant_id], j.[prepayment_id], j.[_parent_position], j.[_position], j.[tracking_category_id], j.[tracking_option_id], j.[name], j.[option], @loaded_at, @run_id
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [prepayment_id] UNIQUEIDENTIFIER '$."prepayment_id"',
    [_parent_position] INT '$."_parent_position"',
    [_position] INT '$."_position"',
    [tracking_category_id] UNIQUEIDENTIFIER '$."tracking_category_id"',
    [tracking_option_id] UNIQUEIDENTIFIER '$."tracking_option_id"',
    [name] NVARCHAR(MAX) '$."name"',
    [option] NVARCHAR(MAX) '$."option"'
) AS j
