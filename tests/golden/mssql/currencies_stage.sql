DECLARE @json NVARCHAR(MAX) = %s;
DROP TABLE IF EXISTS #stage;
SELECT j.[tenant_id], j.[code], j.[description], j.[is_deleted], j.[_raw_json]
INTO #stage
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [code] NVARCHAR(MAX) '$."code"',
    [description] NVARCHAR(MAX) '$."description"',
    [is_deleted] BIT '$."is_deleted"',
    [_raw_json] NVARCHAR(MAX) '$."_raw_json"'
) AS j;
DROP TABLE IF EXISTS #applied;
CREATE TABLE #applied ([action] NVARCHAR(10) NOT NULL, [tenant_id] UNIQUEIDENTIFIER NOT NULL, [code] NVARCHAR(3) NOT NULL, [is_deleted] BIT NOT NULL, [was_deleted] BIT NULL)
