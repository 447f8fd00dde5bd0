CREATE TABLE [xero].[prepayment_payments] (
    [tenant_id] UNIQUEIDENTIFIER NOT NULL,
    [prepayment_id] UNIQUEIDENTIFIER NOT NULL,
    [_position] INT NOT NULL,
    [payment_id] UNIQUEIDENTIFIER NOT NULL,
    [date] DATE NULL,
    [amount] DECIMAL(19, 4) NULL,
    [currency_rate] DECIMAL(28, 10) NULL,
    [reference] NVARCHAR(MAX) NULL,
    [_loaded_at] DATETIME2(3) NOT NULL,
    [_run_id] NVARCHAR(250) NOT NULL,
    PRIMARY KEY ([tenant_id], [prepayment_id], [payment_id])
)
