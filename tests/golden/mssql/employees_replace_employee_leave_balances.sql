DECLARE @json NVARCHAR(MAX) = %s, @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
DECLARE @json_escaped BIT = CASE WHEN JSON_VALUE(N'["\\"]', '$[0]') = N'\' THEN 0 ELSE 1 END;
DELETE c FROM [xero].[employee_leave_balances] AS c
WHERE EXISTS (SELECT 1 FROM #applied AS a WHERE a.[action] = N'UPDATE' AND a.[tenant_id] = c.[tenant_id] AND a.[employee_id] = c.[employee_id]);
INSERT INTO [xero].[employee_leave_balances] ([tenant_id], [employee_id], [_position], [leave_type_id], [leave_name], [number_of_units], [type_of_units], [_loaded_at], [_run_id])
SELECT j.[tenant_id],
       j.[employee_id],
       j.[_position],
       j.[leave_type_id],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[leave_name]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[leave_name] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[leave_name] END AS [leave_name],
       j.[number_of_units],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[type_of_units]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[type_of_units] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[type_of_units] END AS [type_of_units], @loaded_at, @run_id
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [employee_id] UNIQUEIDENTIFIER '$."employee_id"',
    [_position] INT '$."_position"',
    [leave_type_id] UNIQUEIDENTIFIER '$."leave_type_id"',
    [leave_name] NVARCHAR(MAX) '$."leave_name"',
    [number_of_units] DECIMAL(19, 4) '$."number_of_units"',
    [type_of_units] NVARCHAR(MAX) '$."type_of_units"'
) AS j
