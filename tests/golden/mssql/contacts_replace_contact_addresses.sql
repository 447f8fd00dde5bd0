DECLARE @json NVARCHAR(MAX) = %s, @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
DELETE c FROM [xero].[contact_addresses] AS c
WHERE EXISTS (SELECT 1 FROM #applied AS a WHERE a.[action] = N'UPDATE' AND a.[tenant_id] = c.[tenant_id] AND a.[contact_id] = c.[contact_id]);
INSERT INTO [xero].[contact_addresses] ([tenant_id], [contact_id], [_position], [address_type], [address_line1], [address_line2], [address_line3], [address_line4], [city], [region], [postal_code], [country], [attention_to], [_loaded_at], [_run_id])
SELECT j.[tenant_id], j.[contact_id], j.[_position], j.[address_type], j.[address_line1], j.[address_line2], j.[address_line3], j.[address_line4], j.[city], j.[region], j.[postal_code], j.[country], j.[attention_to], @loaded_at, @run_id
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [contact_id] UNIQUEIDENTIFIER '$."contact_id"',
    [_position] INT '$."_position"',
    [address_type] NVARCHAR(MAX) '$."address_type"',
    [address_line1] NVARCHAR(MAX) '$."address_line1"',
    [address_line2] NVARCHAR(MAX) '$."address_line2"',
    [address_line3] NVARCHAR(MAX) '$."address_line3"',
    [address_line4] NVARCHAR(MAX) '$."address_line4"',
    [city] NVARCHAR(MAX) '$."city"',
    [region] NVARCHAR(MAX) '$."region"',
    [postal_code] NVARCHAR(MAX) '$."postal_code"',
    [country] NVARCHAR(MAX) '$."country"',
    [attention_to] NVARCHAR(MAX) '$."attention_to"'
) AS j
