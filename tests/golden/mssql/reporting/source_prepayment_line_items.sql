CREATE TABLE [xero].[prepayment_line_items] (
    [tenant_id] UNIQUEIDENTIFIER NOT NULL,
    [prepayment_id] UNIQUEIDENTIFIER NOT NULL,
    [_position] INT NOT NULL,
    [line_item_id] UNIQUEIDENTIFIER NULL,
    [description] NVARCHAR(MAX) NULL,
    [quantity] DECIMAL(19, 4) NULL,
    [unit_amount] DECIMAL(19, 4) NULL,
    [account_code] NVARCHAR(10) NULL,
    [account_id] UNIQUEIDENTIFIER NULL,
    [tax_type] NVARCHAR(50) NULL,
    [tax_amount] DECIMAL(19, 4) NULL,
    [line_amount] DECIMAL(19, 4) NULL,
    [_loaded_at] DATETIME2(3) NOT NULL,
    [_run_id] NVARCHAR(250) NOT NULL,
    PRIMARY KEY ([tenant_id], [prepayment_id], [_position])
)
