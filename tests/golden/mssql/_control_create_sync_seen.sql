CREATE TABLE [xero].[_sync_seen] (
    [object] NVARCHAR(100) NOT NULL,
    [tenant_id] UNIQUEIDENTIFIER NOT NULL,
    [record_key] NVARCHAR(300) NOT NULL,
    [run_id] NVARCHAR(250) NULL,
    PRIMARY KEY ([object], [tenant_id], [record_key])
)
