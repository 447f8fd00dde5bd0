DECLARE @json NVARCHAR(MAX) = %s, @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
DELETE c FROM [xero].[tax_rate_components] AS c
WHERE EXISTS (SELECT 1 FROM #applied AS a WHERE a.[action] = N'UPDATE' AND a.[tenant_id] = c.[tenant_id] AND a.[tax_type] = c.[tax_type]);
INSERT INTO [xero].[tax_rate_components] ([tenant_id], [tax_type], [_position], [name], [rate], [is_compound], [is_non_recoverable], [_loaded_at], [_run_id])
SELECT j.[tenant_id], j.[tax_type], j.[_position], j.[name], j.[rate], j.[is_compound], j.[is_non_recoverable], @loaded_at, @run_id
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [tax_type] NVARCHAR(MAX) '$."tax_type"',
    [_position] INT '$."_position"',
    [name] NVARCHAR(MAX) '$."name"',
    [rate] DECIMAL(28, 10) '$."rate"',
    [is_compound] BIT '$."is_compound"',
    [is_non_recoverable] BIT '$."is_non_recoverable"'
) AS j
