DECLARE @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
INSERT INTO #applied ([action], [tenant_id], [item_id], [is_deleted], [was_deleted])
SELECT N'UPDATE', s.[tenant_id], s.[item_id], s.[is_deleted], t.[is_deleted]
FROM #stage AS s
JOIN [xero].[items] AS t WITH (UPDLOCK, HOLDLOCK) ON t.[tenant_id] = s.[tenant_id] AND t.[item_id] = s.[item_id]
WHERE (s.[updated_date_utc] >= t.[updated_date_utc] OR s.[updated_date_utc] IS NULL OR t.[updated_date_utc] IS NULL OR t.[updated_date_utc] > DATEADD(SECOND, 300, @loaded_at)) AND EXISTS (SELECT s.[code], s.[name], s.[description], s.[purchase_description], s.[is_sold], s.[is_purchased], s.[is_tracked_as_inventory], s.[inventory_asset_account_code], s.[quantity_on_hand], s.[total_cost_pool], s.[sales_unit_price], s.[sales_account_code], s.[sales_tax_type], s.[purchase_unit_price], s.[purchase_account_code], s.[purchase_cogs_account_code], s.[purchase_tax_type], s.[updated_date_utc], s.[is_deleted], s.[_raw_json] COLLATE Latin1_General_100_BIN2 EXCEPT SELECT t.[code], t.[name], t.[description], t.[purchase_description], t.[is_sold], t.[is_purchased], t.[is_tracked_as_inventory], t.[inventory_asset_account_code], t.[quantity_on_hand], t.[total_cost_pool], t.[sales_unit_price], t.[sales_account_code], t.[sales_tax_type], t.[purchase_unit_price], t.[purchase_account_code], t.[purchase_cogs_account_code], t.[purchase_tax_type], t.[updated_date_utc], t.[is_deleted], t.[_raw_json] COLLATE Latin1_General_100_BIN2);
INSERT INTO #applied ([action], [tenant_id], [item_id], [is_deleted], [was_deleted])
SELECT N'INSERT', s.[tenant_id], s.[item_id], s.[is_deleted], NULL
FROM #stage AS s
WHERE NOT EXISTS (SELECT 1 FROM [xero].[items] AS t WITH (UPDLOCK, HOLDLOCK) WHERE t.[tenant_id] = s.[tenant_id] AND t.[item_id] = s.[item_id]);
UPDATE t SET
    [code] = s.[code],
    [name] = s.[name],
    [description] = s.[description],
    [purchase_description] = s.[purchase_description],
    [is_sold] = s.[is_sold],
    [is_purchased] = s.[is_purchased],
    [is_tracked_as_inventory] = s.[is_tracked_as_inventory],
    [inventory_asset_account_code] = s.[inventory_asset_account_code],
    [quantity_on_hand] = s.[quantity_on_hand],
    [total_cost_pool] = s.[total_cost_pool],
    [sales_unit_price] = s.[sales_unit_price],
    [sales_account_code] = s.[sales_account_code],
    [sales_tax_type] = s.[sales_tax_type],
    [purchase_unit_price] = s.[purchase_unit_price],
    [purchase_account_code] = s.[purchase_account_code],
    [purchase_cogs_account_code] = s.[purchase_cogs_account_code],
    [purchase_tax_type] = s.[purchase_tax_type],
    [updated_date_utc] = s.[updated_date_utc],
    [is_deleted] = s.[is_deleted],
    [_raw_json] = s.[_raw_json],
    [_loaded_at] = @loaded_at, [_run_id] = @run_id
FROM [xero].[items] AS t
JOIN #stage AS s ON t.[tenant_id] = s.[tenant_id] AND t.[item_id] = s.[item_id]
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[item_id] = s.[item_id] AND a.[action] = N'UPDATE';
INSERT INTO [xero].[items] ([tenant_id], [item_id], [code], [name], [description], [purchase_description], [is_sold], [is_purchased], [is_tracked_as_inventory], [inventory_asset_account_code], [quantity_on_hand], [total_cost_pool], [sales_unit_price], [sales_account_code], [sales_tax_type], [purchase_unit_price], [purchase_account_code], [purchase_cogs_account_code], [purchase_tax_type], [updated_date_utc], [is_deleted], [_raw_json], [_loaded_at], [_run_id])
SELECT s.[tenant_id], s.[item_id], s.[code], s.[name], s.[description], s.[purchase_description], s.[is_sold], s.[is_purchased], s.[is_tracked_as_inventory], s.[inventory_asset_account_code], s.[quantity_on_hand], s.[total_cost_pool], s.[sales_unit_price], s.[sales_account_code], s.[sales_tax_type], s.[purchase_unit_price], s.[purchase_account_code], s.[purchase_cogs_account_code], s.[purchase_tax_type], s.[updated_date_utc], s.[is_deleted], s.[_raw_json], @loaded_at, @run_id
FROM #stage AS s
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[item_id] = s.[item_id] AND a.[action] = N'INSERT';
