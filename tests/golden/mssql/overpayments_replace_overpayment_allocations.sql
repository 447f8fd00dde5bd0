DECLARE @json NVARCHAR(MAX) = %s, @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
DELETE c FROM [xero].[overpayment_allocations] AS c
WHERE EXISTS (SELECT 1 FROM #applied AS a WHERE a.[action] = N'UPDATE' AND a.[tenant_id] = c.[tenant_id] AND a.[overpayment_id] = c.[overpayment_id]);
INSERT INTO [xero].[overpayment_allocations] ([tenant_id], [overpayment_id], [_position], [allocation_id], [invoice_id], [invoice_number], [amount], [date], [allocation_deleted], [_loaded_at], [_run_id])
SELECT j.[tenant_id], j.[overpayment_id], j.[_position], j.[allocation_id], j.[invoice_id], j.[invoice_number], j.[amount], j.[date], j.[allocation_deleted], @loaded_at, @run_id
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [overpayment_id] UNIQUEIDENTIFIER '$."overpayment_id"',
    [_position] INT '$."_position"',
    [allocation_id] UNIQUEIDENTIFIER '$."allocation_id"',
    [invoice_id] UNIQUEIDENTIFIER '$."invoice_id"',
    [invoice_number] NVARCHAR(MAX) '$."invoice_number"',
    [amount] DECIMAL(19, 4) '$."amount"',
    [date] DATE '$."date"',
    [allocation_deleted] BIT '$."allocation_deleted"'
) AS j
