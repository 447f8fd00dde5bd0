CREATE TABLE [xero].[organisation_external_links] (
    [tenant_id] UNIQUEIDENTIFIER NOT NULL,
    [organisation_id] UNIQUEIDENTIFIER NOT NULL,
    [_position] INT NOT NULL,
    [link_type] NVARCHAR(50) NULL,
    [url] NVARCHAR(MAX) NULL,
    [_loaded_at] DATETIME2(3) NOT NULL,
    [_run_id] NVARCHAR(250) NOT NULL,
    PRIMARY KEY ([tenant_id], [organisation_id], [_position])
)
