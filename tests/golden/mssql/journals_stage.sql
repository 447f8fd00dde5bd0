DECLARE @json NVARCHAR(MAX) = %s;
DROP TABLE IF EXISTS #stage;
SELECT j.[tenant_id], j.[journal_id], j.[journal_number], j.[journal_date], j.[created_date_utc], j.[reference], j.[source_id], j.[source_type], j.[is_deleted], j.[_raw_json]
INTO #stage
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [journal_id] UNIQUEIDENTIFIER '$."journal_id"',
    [journal_number] BIGINT '$."journal_number"',
    [journal_date] DATE '$."journal_date"',
    [created_date_utc] DATETIME2(3) '$."created_date_utc"',
    [reference] NVARCHAR(MAX) '$."reference"',
    [source_id] UNIQUEIDENTIFIER '$."source_id"',
    [source_type] NVARCHAR(MAX) '$."source_type"',
    [is_deleted] BIT '$."is_deleted"',
    [_raw_json] NVARCHAR(MAX) '$."_raw_json"'
) AS j;
DROP TABLE IF EXISTS #applied;
CREATE TABLE #applied ([action] NVARCHAR(10) NOT NULL, [tenant_id] UNIQUEIDENTIFIER NOT NULL, [journal_id] UNIQUEIDENTIFIER NOT NULL, [is_deleted] BIT NOT NULL, [was_deleted] BIT NULL)
