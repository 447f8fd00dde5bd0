CREATE TABLE [xero].[batch_payment_payments] (
    [tenant_id] UNIQUEIDENTIFIER NOT NULL,
    [batch_payment_id] UNIQUEIDENTIFIER NOT NULL,
    [_position] INT NOT NULL,
    [payment_id] UNIQUEIDENTIFIER NOT NULL,
    [invoice_id] UNIQUEIDENTIFIER NULL,
    [invoice_number] NVARCHAR(255) NULL,
    [amount] DECIMAL(19, 4) NULL,
    [bank_amount] DECIMAL(19, 4) NULL,
    [reference] NVARCHAR(MAX) NULL,
    [_loaded_at] DATETIME2(3) NOT NULL,
    [_run_id] NVARCHAR(250) NOT NULL,
    PRIMARY KEY ([tenant_id], [batch_payment_id], [payment_id])
)
