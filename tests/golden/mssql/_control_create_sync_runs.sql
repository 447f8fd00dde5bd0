CREATE TABLE [xero].[_sync_runs] (
    [run_id] NVARCHAR(250) NOT NULL,
    [object] NVARCHAR(100) NOT NULL,
    [tenant_id] UNIQUEIDENTIFIER NOT NULL,
    [started_at] DATETIME2(3) NULL,
    [finished_at] DATETIME2(3) NULL,
    [status] NVARCHAR(20) NOT NULL,
    [calls] BIGINT NULL,
    [pages] BIGINT NULL,
    [inserted] BIGINT NULL,
    [updated] BIGINT NULL,
    [unchanged] BIGINT NULL,
    [deleted] BIGINT NULL,
    [child_rows] BIGINT NULL,
    [quarantined] BIGINT NULL,
    [error] NVARCHAR(MAX) NULL,
    [quarantine_waiting] BIGINT NULL,
    [tenant_name] NVARCHAR(255) NULL
)
