CREATE TABLE [xero].[tracking_categories] (
    [tenant_id] UNIQUEIDENTIFIER NOT NULL,
    [tracking_category_id] UNIQUEIDENTIFIER NOT NULL,
    [name] NVARCHAR(100) NULL,
    [status] NVARCHAR(50) NULL,
    [is_deleted] BIT NOT NULL,
    [_raw_json] NVARCHAR(MAX) NOT NULL,
    [_loaded_at] DATETIME2(3) NOT NULL,
    [_run_id] NVARCHAR(250) NOT NULL,
    PRIMARY KEY ([tenant_id], [tracking_category_id])
)
