CREATE TABLE [xero].[invoice_line_item_tracking] (
    [tenant_id] UNIQUEIDENTIFIER NOT NULL,
    [invoice_id] UNIQUEIDENTIFIER NOT NULL,
    [line_item_id] UNIQUEIDENTIFIER NOT NULL,
    [_position] INT NOT NULL,
    [tracking_category_id] UNIQUEIDENTIFIER NOT NULL,
    [tracking_option_id] UNIQUEIDENTIFIER NULL,
    [name] NVARCHAR(100) NULL,
    [option] NVARCHAR(100) NULL,
    [_loaded_at] DATETIME2(3) NOT NULL,
    [_run_id] NVARCHAR(250) NOT NULL,
    PRIMARY KEY ([tenant_id], [invoice_id], [line_item_id], [tracking_category_id])
)
