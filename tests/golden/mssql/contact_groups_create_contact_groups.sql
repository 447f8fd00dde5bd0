CREATE TABLE [xero].[contact_groups] (
    [tenant_id] UNIQUEIDENTIFIER NOT NULL,
    [contact_group_id] UNIQUEIDENTIFIER NOT NULL,
    [name] NVARCHAR(MAX) NULL,
    [status] NVARCHAR(50) NULL,
    [is_deleted] BIT NOT NULL,
    [_raw_json] NVARCHAR(MAX) NOT NULL,
    [_loaded_at] DATETIME2(3) NOT NULL,
    [_run_id] NVARCHAR(250) NOT NULL,
    PRIMARY KEY ([tenant_id], [contact_group_id])
)
