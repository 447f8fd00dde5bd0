DECLARE @json NVARCHAR(MAX) = %s, @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
DELETE c FROM [xero].[journal_lines] AS c
WHERE EXISTS (SELECT 1 FROM #applied AS a WHERE a.[action] = N'UPDATE' AND a.[tenant_id] = c.[tenant_id] AND a.[journal_id] = c.[journal_id]);
INSERT INTO [xero].[journal_lines] ([tenant_id], [journal_id], [_position], [journal_line_id], [account_id], [account_code], [account_type], [account_name], [description], [net_amount], [gross_amount], [tax_amount], [tax_type], [tax_name], [_loaded_at], [_run_id])
SELECT j.[tenant_id], j.[journal_id], j.[_position], j.[journal_line_id], j.[account_id], j.[account_code], j.[account_type], j.[account_name], j.[description], j.[net_amount], j.[gross_amount], j.[tax_amount], j.[tax_type], j.[tax_name], @loaded_at, @run_id
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [journal_id] UNIQUEIDENTIFIER '$."journal_id"',
    [_position] INT '$."_position"',
    [journal_line_id] UNIQUEIDENTIFIER '$."journal_line_id"',
    [account_id] UNIQUEIDENTIFIER '$."account_id"',
    [account_code] NVARCHAR(MAX) '$."account_code"',
    [account_type] NVARCHAR(MAX) '$."account_type"',
    [account_name] NVARCHAR(MAX) '$."account_name"',
    [description] NVARCHAR(MAX) '$."description"',
    [net_amount] DECIMAL(19, 4) '$."net_amount"',
    [gross_amount] DECIMAL(19, 4) '$."gross_amount"',
    [tax_amount] DECIMAL(19, 4) '$."tax_amount"',
    [tax_type] NVARCHAR(MAX) '$."tax_type"',
    [tax_name] NVARCHAR(MAX) '$."tax_name"'
) AS j
