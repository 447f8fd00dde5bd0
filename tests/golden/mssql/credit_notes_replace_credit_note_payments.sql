DECLARE @json NVARCHAR(MAX) = %s, @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
DECLARE @json_escaped BIT = CASE WHEN JSON_VALUE(N'["\\"]', '$[0]') = N'\' THEN 0 ELSE 1 END;
DELETE c FROM [xero].[credit_note_payments] AS c
WHERE EXISTS (SELECT 1 FROM #applied AS a WHERE a.[action] = N'UPDATE' AND a.[tenant_id] = c.[tenant_id] AND a.[credit_note_id] = c.[credit_note_id]);
INSERT INTO [xero].[credit_note_payments] ([tenant_id], [credit_note_id], [_position], [payment_id], [date], [amount], [currency_rate], [reference], [_loaded_at], [_run_id])
SELECT j.[tenant_id],
       j.[credit_note_id],
       j.[_position],
       j.[payment_id],
       j.[date],
       j.[amount],
       j.[currency_rate],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[reference]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[reference] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[reference] END AS [reference], @loaded_at, @run_id
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [credit_note_id] UNIQUEIDENTIFIER '$."credit_note_id"',
    [_position] INT '$."_position"',
    [payment_id] UNIQUEIDENTIFIER '$."payment_id"',
    [date] DATE '$."date"',
    [amount] DECIMAL(19, 4) '$."amount"',
    [currency_rate] DECIMAL(28, 10) '$."currency_rate"',
    [reference] NVARCHAR(MAX) '$."reference"'
) AS j
