DECLARE @json NVARCHAR(MAX) = %s;
DROP TABLE IF EXISTS #stage;
SELECT j.[tenant_id], j.[item_id], j.[code], j.[name], j.[description], j.[purchase_description], j.[is_sold], j.[is_purchased], j.[is_tracked_as_inventory], j.[inventory_asset_account_code], j.[quantity_on_hand], j.[total_cost_pool], j.[sales_unit_price], j.[sales_account_code], j.[sales_tax_type], j.[purchase_unit_price], j.[purchase_account_code], j.[purchase_cogs_account_code], j.[purchase_tax_type], j.[updated_date_utc], j.[is_deleted], j.[_raw_json]
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
