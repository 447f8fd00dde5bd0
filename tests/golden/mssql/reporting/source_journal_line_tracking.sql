CREATE TABLE [xero].[journal_line_tracking] (
    [tenant_id] UNIQUEIDENTIFIER NOT NULL,
    [journal_id] UNIQUEIDENTIFIER NOT NULL,
    [journal_line_id] UNIQUEIDENTIFIER NOT NULL,
    [_position] INT NOT NULL,
    [tracking_category_id] UNIQUEIDENTIFIER NOT NULL,
    [tracking_option_id] UNIQUEIDENTIFIER NULL,
    [name] NVARCHAR(100) NULL,
    [option] NVARCHAR(100) NULL,
    [_loaded_at] DATETIME2(3) NOT NULL,
    [_run_id] NVARCHAR(250) NOT NULL,
    PRIMARY KEY ([tenant_id], [journal_id], [journal_line_id], [tracking_category_id])
)
