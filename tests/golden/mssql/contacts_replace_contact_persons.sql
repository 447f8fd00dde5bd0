DECLARE @json NVARCHAR(MAX) = %s, @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
DELETE c FROM [xero].[contact_persons] AS c
WHERE EXISTS (SELECT 1 FROM #applied AS a WHERE a.[action] = N'UPDATE' AND a.[tenant_id] = c.[tenant_id] AND a.[contact_id] = c.[contact_id]);
INSERT INTO [xero].[contact_persons] ([tenant_id], [contact_id], [_position], [first_name], [last_name], [email_address], [include_in_emails], [_loaded_at], [_run_id])
SELECT j.[tenant_id], j.[contact_id], j.[_position], j.[first_name], j.[last_name], j.[email_address], j.[include_in_emails], @loaded_at, @run_id
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [contact_id] UNIQUEIDENTIFIER '$."contact_id"',
    [_position] INT '$."_position"',
    [first_name] NVARCHAR(MAX) '$."first_name"',
    [last_name] NVARCHAR(MAX) '$."last_name"',
    [email_address] NVARCHAR(MAX) '$."email_address"',
    [include_in_emails] BIT '$."include_in_emails"'
) AS j
