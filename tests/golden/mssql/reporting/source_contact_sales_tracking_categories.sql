CREATE TABLE [xero].[contact_sales_tracking_categories] (
    [tenant_id] UNIQUEIDENTIFIER NOT NULL,
    [contact_id] UNIQUEIDENTIFIER NOT NULL,
    [_position] INT NOT NULL,
    [tracking_category_name] NVARCHAR(100) NULL,
    [tracking_option_name] NVARCHAR(100) NULL,
    [_loaded_at] DATETIME2(3) NOT NULL,
    [_run_id] NVARCHAR(250) NOT NULL,
    PRIMARY KEY ([tenant_id], [contact_id], [_position])
)
