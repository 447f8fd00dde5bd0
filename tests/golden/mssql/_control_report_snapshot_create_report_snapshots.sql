CREATE TABLE [xero].[report_snapshots] (
    [tenant_id] UNIQUEIDENTIFIER NOT NULL,
    [snapshot_key] NVARCHAR(200) NOT NULL,
    [report_name] NVARCHAR(50) NOT NULL,
    [as_at] DATE NOT NULL,
    [from_date] DATE NULL,
    [contact_id] UNIQUEIDENTIFIER NULL,
    [report_titles] NVARCHAR(1000) NULL,
    [xero_report_date] NVARCHAR(50) NULL,
    [taken_at] DATETIME2(3) NOT NULL,
    [run_id] NVARCHAR(250) NULL,
    [line_count] INT NOT NULL,
    PRIMARY KEY ([tenant_id], [snapshot_key])
)
