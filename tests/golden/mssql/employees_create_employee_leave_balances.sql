CREATE TABLE [xero].[employee_leave_balances] (
    [tenant_id] UNIQUEIDENTIFIER NOT NULL,
    [employee_id] UNIQUEIDENTIFIER NOT NULL,
    [_position] INT NOT NULL,
    [leave_type_id] UNIQUEIDENTIFIER NOT NULL,
    [leave_name] NVARCHAR(MAX) NULL,
    [number_of_units] DECIMAL(19, 4) NULL,
    [type_of_units] NVARCHAR(MAX) NULL,
    [_loaded_at] DATETIME2(3) NOT NULL,
    [_run_id] NVARCHAR(250) NOT NULL,
    PRIMARY KEY ([tenant_id], [employee_id], [leave_type_id])
)
