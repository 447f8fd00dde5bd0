CREATE TABLE [xero].[manual_journal_lines] (
    [tenant_id] UNIQUEIDENTIFIER NOT NULL,
    [manual_journal_id] UNIQUEIDENTIFIER NOT NULL,
    [_position] INT NOT NULL,
    [account_code] NVARCHAR(10) NULL,
    [account_id] UNIQUEIDENTIFIER NULL,
    [description] NVARCHAR(MAX) NULL,
    [line_amount] DECIMAL(19, 4) NULL,
    [tax_type] NVARCHAR(50) NULL,
    [tax_amount] DECIMAL(19, 4) NULL,
    [is_blank] BIT NULL,
    [_loaded_at] DATETIME2(3) NOT NULL,
    [_run_id] NVARCHAR(250) NOT NULL,
    PRIMARY KEY ([tenant_id], [manual_journal_id], [_position])
)
