DECLARE @json NVARCHAR(MAX) = %s;
DECLARE @json_escaped BIT = CASE WHEN JSON_VALUE(N'["\\"]', '$[0]') = N'\' THEN 0 ELSE 1 END;
DROP TABLE IF EXISTS #stage;
SELECT j.[tenant_id],
       j.[item_id],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[code]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[code] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[code] END AS [code],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[name]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[name] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[name] END AS [name],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[description]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[description] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[description] END AS [description],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[purchase_description]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[purchase_description] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[purchase_description] END AS [purchase_description],
       j.[is_sold],
       j.[is_purchased],
       j.[is_tracked_as_inventory],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[inventory_asset_account_code]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[inventory_asset_account_code] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[inventory_asset_account_code] END AS [inventory_asset_account_code],
       j.[quantity_on_hand],
       j.[total_cost_pool],
       j.[sales_unit_price],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[sales_account_code]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[sales_account_code] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[sales_account_code] END AS [sales_account_code],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[sales_tax_type]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[sales_tax_type] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[sales_tax_type] END AS [sales_tax_type],
       j.[purchase_unit_price],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[purchase_account_code]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[purchase_account_code] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[purchase_account_code] END AS [purchase_account_code],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[purchase_cogs_account_code]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[purchase_cogs_account_code] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[purchase_cogs_account_code] END AS [purchase_cogs_account_code],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[purchase_tax_type]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[purchase_tax_type] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[purchase_tax_type] END AS [purchase_tax_type],
       j.[updated_date_utc],
       j.[is_deleted],
       CASE WHEN @json_escaped = 1 AND CHARINDEX(N'\', j.[_raw_json]) > 0 THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(j.[_raw_json] COLLATE Latin1_General_100_BIN2, N'\\', NCHAR(1) + NCHAR(3)), N'\"', N'"'), N'\n', NCHAR(10)), N'\r', NCHAR(13)), N'\t', NCHAR(9)), N'\b', NCHAR(8)), N'\f', NCHAR(12)), NCHAR(1) + NCHAR(3), N'\') COLLATE DATABASE_DEFAULT ELSE j.[_raw_json] END AS [_raw_json]
INTO #stage
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [item_id] UNIQUEIDENTIFIER '$."item_id"',
    [code] NVARCHAR(MAX) '$."code"',
    [name] NVARCHAR(MAX) '$."name"',
    [description] NVARCHAR(MAX) '$."description"',
    [purchase_description] NVARCHAR(MAX) '$."purchase_description"',
    [is_sold] BIT '$."is_sold"',
    [is_purchased] BIT '$."is_purchased"',
    [is_tracked_as_inventory] BIT '$."is_tracked_as_inventory"',
    [inventory_asset_account_code] NVARCHAR(MAX) '$."inventory_asset_account_code"',
    [quantity_on_hand] DECIMAL(19, 4) '$."quantity_on_hand"',
    [total_cost_pool] DECIMAL(19, 4) '$."total_cost_pool"',
    [sales_unit_price] DECIMAL(19, 4) '$."sales_unit_price"',
    [sales_account_code] NVARCHAR(MAX) '$."sales_account_code"',
    [sales_tax_type] NVARCHAR(MAX) '$."sales_tax_type"',
    [purchase_unit_price] DECIMAL(19, 4) '$."purchase_unit_price"',
    [purchase_account_code] NVARCHAR(MAX) '$."purchase_account_code"',
    [purchase_cogs_account_code] NVARCHAR(MAX) '$."purchase_cogs_account_code"',
    [purchase_tax_type] NVARCHAR(MAX) '$."purchase_tax_type"',
    [updated_date_utc] DATETIME2(3) '$."updated_date_utc"',
    [is_deleted] BIT '$."is_deleted"',
    [_raw_json] NVARCHAR(MAX) '$."_raw_json"'
) AS j;
DROP TABLE IF EXISTS #applied;
CREATE TABLE #applied ([action] NVARCHAR(10) NOT NULL, [tenant_id] UNIQUEIDENTIFIER NOT NULL, [item_id] UNIQUEIDENTIFIER NOT NULL, [is_deleted] BIT NOT NULL, [was_deleted] BIT NULL)
