CREATE TABLE [xero].[journals] (
    [tenant_id] UNIQUEIDENTIFIER NOT NULL,
    [journal_id] UNIQUEIDENTIFIER NOT NULL,
    [journal_number] BIGINT NULL,
    [journal_date] DATE NULL,
    [created_date_utc] DATETIME2(3) NULL,
    [reference] NVARCHAR(MAX) NULL,
    [source_id] UNIQUEIDENTIFIER NULL,
    [source_type] NVARCHAR(50) NULL,
    [is_deleted] BIT NOT NULL,
    [_raw_json] NVARCHAR(MAX) NOT NULL,
    [_loaded_at] DATETIME2(3) NOT NULL,
    [_run_id] NVARCHAR(250) NOT NULL,
    PRIMARY KEY ([tenant_id], [journal_id])
)
