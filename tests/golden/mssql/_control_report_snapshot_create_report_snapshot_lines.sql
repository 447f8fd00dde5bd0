CREATE TABLE [xero].[report_snapshot_lines] (
    [tenant_id] UNIQUEIDENTIFIER NOT NULL,
    [snapshot_key] NVARCHAR(200) NOT NULL,
    [line_no] INT NOT NULL,
    [column_no] INT NOT NULL,
    [report_name] NVARCHAR(50) NOT NULL,
    [as_at] DATE NOT NULL,
    [section] NVARCHAR(255) NULL,
    [row_type] NVARCHAR(20) NOT NULL,
    [label] NVARCHAR(500) NULL,
    [column_name] NVARCHAR(255) NULL,
    [account_id] UNIQUEIDENTIFIER NULL,
    [account_code] NVARCHAR(50) NULL,
    [item_id] NVARCHAR(100) NULL,
    [value] NVARCHAR(500) NULL,
    [amount] DECIMAL(19, 4) NULL,
    PRIMARY KEY ([tenant_id], [snapshot_key], [line_no], [column_no])
)
