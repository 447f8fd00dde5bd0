DECLARE @json NVARCHAR(MAX) = %s, @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
DELETE c FROM [xero].[employee_bank_accounts] AS c
WHERE EXISTS (SELECT 1 FROM #applied AS a WHERE a.[action] = N'UPDATE' AND a.[tenant_id] = c.[tenant_id] AND a.[employee_id] = c.[employee_id]);
INSERT INTO [xero].[employee_bank_accounts] ([tenant_id], [employee_id], [_position], [statement_text], [account_name], [remainder], [amount], [_loaded_at], [_run_id])
SELECT j.[tenant_id], j.[employee_id], j.[_position], j.[statement_text], j.[account_name], j.[remainder], j.[amount], @loaded_at, @run_id
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [employee_id] UNIQUEIDENTIFIER '$."employee_id"',
    [_position] INT '$."_position"',
    [statement_text] NVARCHAR(MAX) '$."statement_text"',
    [account_name] NVARCHAR(MAX) '$."account_name"',
    [remainder] BIT '$."remainder"',
    [amount] DECIMAL(19, 4) '$."amount"'
) AS j
