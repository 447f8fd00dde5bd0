CREATE TABLE [xero].[_quarantine] (
    [tenant_id] UNIQUEIDENTIFIER NOT NULL,
    [object] NVARCHAR(100) NOT NULL,
    [record_key] NVARCHAR(MAX) NULL,
    [reason] NVARCHAR(MAX) NOT NULL,
    [raw_json] NVARCHAR(MAX) NOT NULL,
    [run_id] NVARCHAR(250) NULL,
    [quarantined_at] DATETIME2(3) NOT NULL
)
