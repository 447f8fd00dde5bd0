CREATE TABLE [xero].[contact_contact_groups] (
    [tenant_id] UNIQUEIDENTIFIER NOT NULL,
    [contact_id] UNIQUEIDENTIFIER NOT NULL,
    [_position] INT NOT NULL,
    [contact_group_id] UNIQUEIDENTIFIER NOT NULL,
    [name] NVARCHAR(MAX) NULL,
    [status] NVARCHAR(50) NULL,
    [_loaded_at] DATETIME2(3) NOT NULL,
    [_run_id] NVARCHAR(250) NOT NULL,
    PRIMARY KEY ([tenant_id], [contact_id], [contact_group_id])
)
