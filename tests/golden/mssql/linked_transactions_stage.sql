DECLARE @json NVARCHAR(MAX) = %s;
DROP TABLE IF EXISTS #stage;
SELECT j.[tenant_id], j.[linked_transaction_id], j.[type], j.[status], j.[source_transaction_id], j.[source_line_item_id], j.[source_transaction_type_code], j.[contact_id], j.[target_transaction_id], j.[target_line_item_id], j.[updated_date_utc], j.[is_deleted], j.[_raw_json]
INTO #stage
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [linked_transaction_id] UNIQUEIDENTIFIER '$."linked_transaction_id"',
    [type] NVARCHAR(MAX) '$."type"',
    [status] NVARCHAR(MAX) '$."status"',
    [source_transaction_id] UNIQUEIDENTIFIER '$."source_transaction_id"',
    [source_line_item_id] UNIQUEIDENTIFIER '$."source_line_item_id"',
    [source_transaction_type_code] NVARCHAR(MAX) '$."source_transaction_type_code"',
    [contact_id] UNIQUEIDENTIFIER '$."contact_id"',
    [target_transaction_id] UNIQUEIDENTIFIER '$."target_transaction_id"',
    [target_line_item_id] UNIQUEIDENTIFIER '$."target_line_item_id"',
    [updated_date_utc] DATETIME2(3) '$."updated_date_utc"',
    [is_deleted] BIT '$."is_deleted"',
    [_raw_json] NVARCHAR(MAX) '$."_raw_json"'
) AS j;
DROP TABLE IF EXISTS #applied;
CREATE TABLE #applied ([action] NVARCHAR(10) NOT NULL, [tenant_id] UNIQUEIDENTIFIER NOT NULL, [linked_transaction_id] UNIQUEIDENTIFIER NOT NULL, [is_deleted] BIT NOT NULL, [was_deleted] BIT NULL)
