CREATE TABLE [xero].[employee_bank_accounts] (
    [tenant_id] UNIQUEIDENTIFIER NOT NULL,
    [employee_id] UNIQUEIDENTIFIER NOT NULL,
    [_position] INT NOT NULL,
    [statement_text] NVARCHAR(MAX) NULL,
    [account_name] NVARCHAR(MAX) NULL,
    [remainder] BIT NULL,
    [amount] DECIMAL(19, 4) NULL,
    [_loaded_at] DATETIME2(3) NOT NULL,
    [_run_id] NVARCHAR(250) NOT NULL,
    PRIMARY KEY ([tenant_id], [employee_id], [_position])
)
