CREATE TABLE [xero].[credit_note_line_item_tracking] (
    [tenant_id] UNIQUEIDENTIFIER NOT NULL,
    [credit_note_id] UNIQUEIDENTIFIER NOT NULL,
    [_parent_position] INT NOT NULL,
    [_position] INT NOT NULL,
    [tracking_category_id] UNIQUEIDENTIFIER NOT NULL,
    [tracking_option_id] UNIQUEIDENTIFIER NULL,
    [name] NVARCHAR(100) NULL,
    [option] NVARCHAR(100) NULL,
    [_loaded_at] DATETIME2(3) NOT NULL,
    [_run_id] NVARCHAR(250) NOT NULL,
    PRIMARY KEY ([tenant_id], [credit_note_id], [_parent_position], [tracking_category_id])
)
