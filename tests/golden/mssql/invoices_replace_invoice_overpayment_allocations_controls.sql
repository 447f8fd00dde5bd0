DECLARE @json NVARCHAR(MAX) = %s, @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
DECLARE @json_escaped BIT = CASE WHEN JSON_VALUE(N'["\\"]', '$[0]') = N'\' THEN 0 ELSE 1 END;
DELETE c FROM [xero].[invoice_overpayment_allocations] AS c
WHERE EXISTS (SELECT 1 FROM #applied AS a WHERE a.[action] = N'UPDATE' AND a.[tenant_id] = c.[tenant_id] AND a.[invoice_id] = c.[invoice_id]);
INSERT INTO [xero].[invoice_overpayment_allocations] ([tenant_id], [invoice_id], [_position], [overpayment_id], [applied_amount], [total], [date], [_loaded_at], [_run_id])
SELECT j.[tenant_id],
       j.[invoice_id],
       j.[_position],
       j.[overpayment_id],
       j.[applied_amount],
       j.[total],
       j.[date], @loaded_at, @run_id
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [invoice_id] UNIQUEIDENTIFIER '$."invoice_id"',
    [_position] INT '$."_position"',
    [overpayment_id] UNIQUEIDENTIFIER '$."overpayment_id"',
    [applied_amount] DECIMAL(19, 4) '$."applied_amount"',
    [total] DECIMAL(19, 4) '$."total"',
    [date] DATE '$."date"'
) AS j
