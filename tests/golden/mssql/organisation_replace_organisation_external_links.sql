DECLARE @json NVARCHAR(MAX) = %s, @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
DELETE c FROM [xero].[organisation_external_links] AS c
WHERE EXISTS (SELECT 1 FROM #applied AS a WHERE a.[action] = N'UPDATE' AND a.[tenant_id] = c.[tenant_id] AND a.[organisation_id] = c.[organisation_id]);
INSERT INTO [xero].[organisation_external_links] ([tenant_id], [organisation_id], [_position], [link_type], [url], [_loaded_at], [_run_id])
SELECT j.[tenant_id], j.[organisation_id], j.[_position], j.[link_type], j.[url], @loaded_at, @run_id
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [organisation_id] UNIQUEIDENTIFIER '$."organisation_id"',
    [_position] INT '$."_position"',
    [link_type] NVARCHAR(MAX) '$."link_type"',
    [url] NVARCHAR(MAX) '$."url"'
) AS j
