CREATE TABLE [xero].[_sync_state] (
    [object] NVARCHAR(100) NOT NULL,
    [tenant_id] UNIQUEIDENTIFIER NOT NULL,
    [watermark_ts] DATETIME2(3) NULL,
    [watermark_int] BIGINT NULL,
    [last_run_id] NVARCHAR(250) NULL,
    [updated_at] DATETIME2(3) NULL,
    PRIMARY KEY ([object], [tenant_id])
)
