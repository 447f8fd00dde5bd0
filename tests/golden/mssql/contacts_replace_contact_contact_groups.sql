DECLARE @json NVARCHAR(MAX) = %s, @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
DELETE c FROM [xero].[contact_contact_groups] AS c
WHERE EXISTS (SELECT 1 FROM #applied AS a WHERE a.[action] = N'UPDATE' AND a.[tenant_id] = c.[tenant_id] AND a.[contact_id] = c.[contact_id]);
INSERT INTO [xero].[contact_contact_groups] ([tenant_id], [contact_id], [_position], [contact_group_id], [name], [status], [_loaded_at], [_run_id])
SELECT j.[tenant_id], j.[contact_id], j.[_position], j.[contact_group_id], j.[name], j.[status], @loaded_at, @run_id
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [contact_id] UNIQUEIDENTIFIER '$."contact_id"',
    [_position] INT '$."_position"',
    [contact_group_id] UNIQUEIDENTIFIER '$."contact_group_id"',
    [name] NVARCHAR(MAX) '$."name"',
    [status] NVARCHAR(MAX) '$."status"'
) AS j
