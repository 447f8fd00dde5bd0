CREATE TABLE [xero].[tax_rate_components] (
    [tenant_id] UNIQUEIDENTIFIER NOT NULL,
    [tax_type] NVARCHAR(50) NOT NULL,
    [_position] INT NOT NULL,
    [name] NVARCHAR(MAX) NULL,
    [rate] DECIMAL(28, 10) NULL,
    [is_compound] BIT NULL,
    [is_non_recoverable] BIT NULL,
    [_loaded_at] DATETIME2(3) NOT NULL,
    [_run_id] NVARCHAR(250) NOT NULL,
    PRIMARY KEY ([tenant_id], [tax_type], [_position])
)
