CREATE TABLE [xero].[tax_rates] (
    [tenant_id] UNIQUEIDENTIFIER NOT NULL,
    [tax_type] NVARCHAR(50) NOT NULL,
    [name] NVARCHAR(MAX) NULL,
    [status] NVARCHAR(50) NULL,
    [report_tax_type] NVARCHAR(50) NULL,
    [display_tax_rate] DECIMAL(28, 10) NULL,
    [effective_rate] DECIMAL(28, 10) NULL,
    [can_apply_to_assets] BIT NULL,
    [can_apply_to_equity] BIT NULL,
    [can_apply_to_expenses] BIT NULL,
    [can_apply_to_liabilities] BIT NULL,
    [can_apply_to_revenue] BIT NULL,
    [is_deleted] BIT NOT NULL,
    [_raw_json] NVARCHAR(MAX) NOT NULL,
    [_loaded_at] DATETIME2(3) NOT NULL,
    [_run_id] NVARCHAR(250) NOT NULL,
    PRIMARY KEY ([tenant_id], [tax_type])
)
