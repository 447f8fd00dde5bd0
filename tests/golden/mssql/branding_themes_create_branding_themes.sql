CREATE TABLE [xero].[branding_themes] (
    [tenant_id] UNIQUEIDENTIFIER NOT NULL,
    [branding_theme_id] UNIQUEIDENTIFIER NOT NULL,
    [name] NVARCHAR(MAX) NULL,
    [type] NVARCHAR(50) NULL,
    [sort_order] INT NULL,
    [logo_url] NVARCHAR(MAX) NULL,
    [created_date_utc] DATETIME2(3) NULL,
    [is_deleted] BIT NOT NULL,
    [_raw_json] NVARCHAR(MAX) NOT NULL,
    [_loaded_at] DATETIME2(3) NOT NULL,
    [_run_id] NVARCHAR(250) NOT NULL,
    PRIMARY KEY ([tenant_id], [branding_theme_id])
)
