CREATE TABLE [xero].[linked_transactions] (
    [tenant_id] UNIQUEIDENTIFIER NOT NULL,
    [linked_transaction_id] UNIQUEIDENTIFIER NOT NULL,
    [type] NVARCHAR(50) NULL,
    [status] NVARCHAR(50) NULL,
    [source_transaction_id] UNIQUEIDENTIFIER NULL,
    [source_line_item_id] UNIQUEIDENTIFIER NULL,
    [source_transaction_type_code] NVARCHAR(50) NULL,
    [contact_id] UNIQUEIDENTIFIER NULL,
    [target_transaction_id] UNIQUEIDENTIFIER NULL,
    [target_line_item_id] UNIQUEIDENTIFIER NULL,
    [updated_date_utc] DATETIME2(3) NULL,
    [is_deleted] BIT NOT NULL,
    [_raw_json] NVARCHAR(MAX) NOT NULL,
    [_loaded_at] DATETIME2(3) NOT NULL,
    [_run_id] NVARCHAR(250) NOT NULL,
    PRIMARY KEY ([tenant_id], [linked_transaction_id])
)
