DECLARE @json NVARCHAR(MAX) = %s;
INSERT INTO [xero].[report_snapshot_lines] ([tenant_id], [snapshot_key], [line_no], [column_no], [report_name], [as_at], [section], [row_type], [label], [column_name], [account_id], [account_code], [item_id], [value], [amount])
SELECT j.[tenant_id], j.[snapshot_key], j.[line_no], j.[column_no], j.[report_name], j.[as_at], j.[section], j.[row_type], j.[label], j.[column_name], j.[account_id], j.[account_code], j.[item_id], j.[value], j.[amount]
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [snapshot_key] NVARCHAR(MAX) '$."snapshot_key"',
    [line_no] INT '$."line_no"',
    [column_no] INT '$."column_no"',
    [report_name] NVARCHAR(MAX) '$."report_name"',
    [as_at] DATE '$."as_at"',
    [section] NVARCHAR(MAX) '$."section"',
    [row_type] NVARCHAR(MAX) '$."row_type"',
    [label] NVARCHAR(MAX) '$."label"',
    [column_name] NVARCHAR(MAX) '$."column_name"',
    [account_id] UNIQUEIDENTIFIER '$."account_id"',
    [account_code] NVARCHAR(MAX) '$."account_code"',
    [item_id] NVARCHAR(MAX) '$."item_id"',
    [value] NVARCHAR(MAX) '$."value"',
    [amount] DECIMAL(19, 4) '$."amount"'
) AS j
