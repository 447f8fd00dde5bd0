DECLARE @json NVARCHAR(MAX) = %s, @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
DELETE c FROM [xero].[organisation_phones] AS c
WHERE EXISTS (SELECT 1 FROM #applied AS a WHERE a.[action] = N'UPDATE' AND a.[tenant_id] = c.[tenant_id] AND a.[organisation_id] = c.[organisation_id]);
INSERT INTO [xero].[organisation_phones] ([tenant_id], [organisation_id], [_position], [phone_type], [phone_number], [phone_area_code], [phone_country_code], [_loaded_at], [_run_id])
SELECT j.[tenant_id], j.[organisation_id], j.[_position], j.[phone_type], j.[phone_number], j.[phone_area_code], j.[phone_country_code], @loaded_at, @run_id
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [organisation_id] UNIQUEIDENTIFIER '$."organisation_id"',
    [_position] INT '$."_position"',
    [phone_type] NVARCHAR(MAX) '$."phone_type"',
    [phone_number] NVARCHAR(MAX) '$."phone_number"',
    [phone_area_code] NVARCHAR(MAX) '$."phone_area_code"',
    [phone_country_code] NVARCHAR(MAX) '$."phone_country_code"'
) AS j
