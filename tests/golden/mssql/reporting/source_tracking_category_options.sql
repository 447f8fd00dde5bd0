CREATE TABLE [xero].[tracking_category_options] (
    [tenant_id] UNIQUEIDENTIFIER NOT NULL,
    [tracking_category_id] UNIQUEIDENTIFIER NOT NULL,
    [_position] INT NOT NULL,
    [tracking_option_id] UNIQUEIDENTIFIER NOT NULL,
    [name] NVARCHAR(100) NULL,
    [status] NVARCHAR(50) NULL,
    [_loaded_at] DATETIME2(3) NOT NULL,
    [_run_id] NVARCHAR(250) NOT NULL,
    PRIMARY KEY ([tenant_id], [tracking_category_id], [tracking_option_id])
)
