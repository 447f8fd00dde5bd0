CREATE TABLE [xero].[journal_lines] (
    [tenant_id] UNIQUEIDENTIFIER NOT NULL,
    [journal_id] UNIQUEIDENTIFIER NOT NULL,
    [_position] INT NOT NULL,
    [journal_line_id] UNIQUEIDENTIFIER NOT NULL,
    [account_id] UNIQUEIDENTIFIER NULL,
    [account_code] NVARCHAR(10) NULL,
    [account_type] NVARCHAR(50) NULL,
    [account_name] NVARCHAR(150) NULL,
    [description] NVARCHAR(MAX) NULL,
    [net_amount] DECIMAL(19, 4) NULL,
    [gross_amount] DECIMAL(19, 4) NULL,
    [tax_amount] DECIMAL(19, 4) NULL,
    [tax_type] NVARCHAR(50) NULL,
    [tax_name] NVARCHAR(MAX) NULL,
    [_loaded_at] DATETIME2(3) NOT NULL,
    [_run_id] NVARCHAR(250) NOT NULL,
    PRIMARY KEY ([tenant_id], [journal_id], [journal_line_id])
)
