CREATE TABLE [xero].[credit_note_allocations] (
    [tenant_id] UNIQUEIDENTIFIER NOT NULL,
    [credit_note_id] UNIQUEIDENTIFIER NOT NULL,
    [_position] INT NOT NULL,
    [allocation_id] UNIQUEIDENTIFIER NULL,
    [invoice_id] UNIQUEIDENTIFIER NULL,
    [invoice_number] NVARCHAR(255) NULL,
    [amount] DECIMAL(19, 4) NULL,
    [date] DATE NULL,
    [allocation_deleted] BIT NULL,
    [_loaded_at] DATETIME2(3) NOT NULL,
    [_run_id] NVARCHAR(250) NOT NULL,
    PRIMARY KEY ([tenant_id], [credit_note_id], [_position])
)
