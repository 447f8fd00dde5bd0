DECLARE @json NVARCHAR(MAX) = %s, @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
DELETE c FROM [xero].[overpayment_line_items] AS c
WHERE EXISTS (SELECT 1 FROM #applied AS a WHERE a.[action] = N'UPDATE' AND a.[tenant_id] = c.[tenant_id] AND a.[overpayment_id] = c.[overpayment_id]);
INSERT INTO [xero].[overpayment_line_items] ([tenant_id], [overpayment_id], [_position], [line_item_id], [description], [quantity], [unit_amount], [account_code], [account_id], [tax_type], [tax_amount], [line_amount], [_loaded_at], [_run_id])
SELECT j.[tenant_id], j.[overpayment_id], j.[_position], j.[line_item_id], j.[description], j.[quantity], j.[unit_amount], j.[account_code], j.[account_id], j.[tax_type], j.[tax_amount], j.[line_amount], @loaded_at, @run_id
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [overpayment_id] UNIQUEIDENTIFIER '$."overpayment_id"',
    [_position] INT '$."_position"',
    [line_item_id] UNIQUEIDENTIFIER '$."line_item_id"',
    [description] NVARCHAR(MAX) '$."description"',
    [quantity] DECIMAL(19, 4) '$."quantity"',
    [unit_amount] DECIMAL(19, 4) '$."unit_amount"',
    [account_code] NVARCHAR(MAX) '$."account_code"',
    [account_id] UNIQUEIDENTIFIER '$."account_id"',
    [tax_type] NVARCHAR(MAX) '$."tax_type"',
    [tax_amount] DECIMAL(19, 4) '$."tax_amount"',
    [line_amount] DECIMAL(19, 4) '$."line_amount"'
) AS j
