DECLARE @json NVARCHAR(MAX) = %s, @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
DELETE c FROM [xero].[prepayment_payments] AS c
WHERE EXISTS (SELECT 1 FROM #applied AS a WHERE a.[action] = N'UPDATE' AND a.[tenant_id] = c.[tenant_id] AND a.[prepayment_id] = c.[prepayment_id]);
INSERT INTO [xero].[prepayment_payments] ([tenant_id], [prepayment_id], [_position], [payment_id], [date], [amount], [currency_rate], [reference], [_loaded_at], [_run_id])
SELECT j.[tenant_id], j.[prepayment_id], j.[_position], j.[payment_id], j.[date], j.[amount], j.[currency_rate], j.[reference], @loaded_at, @run_id
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [prepayment_id] UNIQUEIDENTIFIER '$."prepayment_id"',
    [_position] INT '$."_position"',
    [payment_id] UNIQUEIDENTIFIER '$."payment_id"',
    [date] DATE '$."date"',
    [amount] DECIMAL(19, 4) '$."amount"',
    [currency_rate] DECIMAL(28, 10) '$."currency_rate"',
    [reference] NVARCHAR(MAX) '$."reference"'
) AS j
