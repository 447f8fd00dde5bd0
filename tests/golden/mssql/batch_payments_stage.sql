DECLARE @json NVARCHAR(MAX) = %s;
DROP TABLE IF EXISTS #stage;
SELECT j.[tenant_id], j.[batch_payment_id], j.[type], j.[status], j.[account_id], j.[date], j.[amount], j.[total_amount], j.[reference], j.[particulars], j.[code], j.[details], j.[narrative], j.[is_reconciled], j.[updated_date_utc], j.[is_deleted], j.[_raw_json]
INTO #stage
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [batch_payment_id] UNIQUEIDENTIFIER '$."batch_payment_id"',
    [type] NVARCHAR(MAX) '$."type"',
    [status] NVARCHAR(MAX) '$."status"',
    [account_id] UNIQUEIDENTIFIER '$."account_id"',
    [date] DATE '$."date"',
    [amount] DECIMAL(19, 4) '$."amount"',
    [total_amount] DECIMAL(19, 4) '$."total_amount"',
    [reference] NVARCHAR(MAX) '$."reference"',
    [particulars] NVARCHAR(MAX) '$."particulars"',
    [code] NVARCHAR(MAX) '$."code"',
    [details] NVARCHAR(MAX) '$."details"',
    [narrative] NVARCHAR(MAX) '$."narrative"',
    [is_reconciled] BIT '$."is_reconciled"',
    [updated_date_utc] DATETIME2(3) '$."updated_date_utc"',
    [is_deleted] BIT '$."is_deleted"',
    [_raw_json] NVARCHAR(MAX) '$."_raw_json"'
) AS j;
DROP TABLE IF EXISTS #applied;
CREATE TABLE #applied ([action] NVARCHAR(10) NOT NULL, [tenant_id] UNIQUEIDENTIFIER NOT NULL, [batch_payment_id] UNIQUEIDENTIFIER NOT NULL, [is_deleted] BIT NOT NULL, [was_deleted] BIT NULL)
