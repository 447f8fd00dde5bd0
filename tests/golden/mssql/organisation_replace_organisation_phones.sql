DECLARE @json NVARCHAR(MAX) = %s, @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
DECLARE @json_escaped BIT = CASE WHEN JSON_VALUE(N'["\\"]', '$[0]') = N'\' THEN 0 ELSE 1 END;
DELETE c FROM [xero].[organisation_phones] AS c
WHERE EXISTS (SELECT 1 FROM #applied AS a WHERE a.[action] = N'UPDATE' AND a.[tenant_id] = c.[tenant_id] AND a.[organisation_id] = c.[organisation_id]);
INSERT INTO [xero].[organisation_phones] ([tenant_id], [organisation_id], [_position], [phone_type], [phone_number], [phone_area_code], [phone_country_code], [_loaded_at], [_run_id])
SELECT j.[tenant_id],
       j.[organisation_id],
       j.[_position],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[phone_type]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[phone_type] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[phone_type] END AS [phone_type],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[phone_number]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[phone_number] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[phone_number] END AS [phone_number],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[phone_area_code]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[phone_area_code] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[phone_area_code] END AS [phone_area_code],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[phone_country_code]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[phone_country_code] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[phone_country_code] END AS [phone_country_code], @loaded_at, @run_id
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [organisation_id] UNIQUEIDENTIFIER '$."organisation_id"',
    [_position] INT '$."_position"',
    [phone_type] NVARCHAR(MAX) '$."phone_type"',
    [phone_number] NVARCHAR(MAX) '$."phone_number"',
    [phone_area_code] NVARCHAR(MAX) '$."phone_area_code"',
    [phone_country_code] NVARCHAR(MAX) '$."phone_country_code"'
) AS j
