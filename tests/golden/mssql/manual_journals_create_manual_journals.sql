CREATE TABLE [xero].[manual_journals] (
    [tenant_id] UNIQUEIDENTIFIER NOT NULL,
    [manual_journal_id] UNIQUEIDENTIFIER NOT NULL,
    [narration] NVARCHAR(MAX) NULL,
    [date] DATE NULL,
    [status] NVARCHAR(50) NULL,
    [line_amount_types] NVARCHAR(50) NULL,
    [show_on_cash_basis_reports] BIT NULL,
    [has_attachments] BIT NULL,
    [updated_date_utc] DATETIME2(3) NULL,
    [is_deleted] BIT NOT NULL,
    [_raw_json] NVARCHAR(MAX) NOT NULL,
    [_loaded_at] DATETIME2(3) NOT NULL,
    [_run_id] NVARCHAR(250) NOT NULL,
    PRIMARY KEY ([tenant_id], [manual_journal_id])
)
