CREATE TABLE [xero].[invoice_overpayment_allocations] (
    [tenant_id] UNIQUEIDENTIFIER NOT NULL,
    [invoice_id] UNIQUEIDENTIFIER NOT NULL,
    [_position] INT NOT NULL,
    [overpayment_id] UNIQUEIDENTIFIER NULL,
    [applied_amount] DECIMAL(19, 4) NULL,
    [total] DECIMAL(19, 4) NULL,
    [date] DATE NULL,
    [_loaded_at] DATETIME2(3) NOT NULL,
    [_run_id] NVARCHAR(250) NOT NULL,
    PRIMARY KEY ([tenant_id], [invoice_id], [_position])
)
