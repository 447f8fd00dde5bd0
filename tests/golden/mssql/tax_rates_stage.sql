DECLARE @json NVARCHAR(MAX) = %s;
DROP TABLE IF EXISTS #stage;
SELECT j.[tenant_id], j.[tax_type], j.[name], j.[status], j.[report_tax_type], j.[display_tax_rate], j.[effective_rate], j.[can_apply_to_assets], j.[can_apply_to_equity], j.[can_apply_to_expenses], j.[can_apply_to_liabilities], j.[can_apply_to_revenue], j.[is_deleted], j.[_raw_json]
INTO #stage
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [tax_type] NVARCHAR(MAX) '$."tax_type"',
    [name] NVARCHAR(MAX) '$."name"',
    [status] NVARCHAR(MAX) '$."status"',
    [report_tax_type] NVARCHAR(MAX) '$."report_tax_type"',
    [display_tax_rate] DECIMAL(28, 10) '$."display_tax_rate"',
    [effective_rate] DECIMAL(28, 10) '$."effective_rate"',
    [can_apply_to_assets] BIT '$."can_apply_to_assets"',
    [can_apply_to_equity] BIT '$."can_apply_to_equity"',
    [can_apply_to_expenses] BIT '$."can_apply_to_expenses"',
    [can_apply_to_liabilities] BIT '$."can_apply_to_liabilities"',
    [can_apply_to_revenue] BIT '$."can_apply_to_revenue"',
    [is_deleted] BIT '$."is_deleted"',
    [_raw_json] NVARCHAR(MAX) '$."_raw_json"'
) AS j;
DROP TABLE IF EXISTS #applied;
CREATE TABLE #applied ([action] NVARCHAR(10) NOT NULL, [tenant_id] UNIQUEIDENTIFIER NOT NULL, [tax_type] NVARCHAR(50) NOT NULL, [is_deleted] BIT NOT NULL, [was_deleted] BIT NULL)
