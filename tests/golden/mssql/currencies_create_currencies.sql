CREATE TABLE [xero].[currencies] (
    [tenant_id] UNIQUEIDENTIFIER NOT NULL,
    [code] NVARCHAR(3) NOT NULL,
    [description] NVARCHAR(MAX) NULL,
    [is_deleted] BIT NOT NULL,
    [_raw_json] NVARCHAR(MAX) NOT NULL,
    [_loaded_at] DATETIME2(3) NOT NULL,
    [_run_id] NVARCHAR(250) NOT NULL,
    PRIMARY KEY ([tenant_id], [code])
)
