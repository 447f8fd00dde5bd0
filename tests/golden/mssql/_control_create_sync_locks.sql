CREATE TABLE [xero].[_sync_locks] (
    [object] NVARCHAR(100) NOT NULL,
    [tenant_id] UNIQUEIDENTIFIER NOT NULL,
    [run_id] NVARCHAR(250) NOT NULL,
    [holder] NVARCHAR(250) NULL,
    [acquired_at] DATETIME2(3) NOT NULL,
    PRIMARY KEY ([object], [tenant_id])
)
