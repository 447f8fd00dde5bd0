DECLARE @json NVARCHAR(MAX) = %s;
DROP TABLE IF EXISTS #stage;
SELECT j.[tenant_id], j.[user_id], j.[first_name], j.[last_name], j.[email_address], j.[organisation_role], j.[is_subscriber], j.[updated_date_utc], j.[is_deleted], j.[_raw_json]
INTO #stage
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [user_id] UNIQUEIDENTIFIER '$."user_id"',
    [first_name] NVARCHAR(MAX) '$."first_name"',
    [last_name] NVARCHAR(MAX) '$."last_name"',
    [email_address] NVARCHAR(MAX) '$."email_address"',
    [organisation_role] NVARCHAR(MAX) '$."organisation_role"',
    [is_subscriber] BIT '$."is_subscriber"',
    [updated_date_utc] DATETIME2(3) '$."updated_date_utc"',
    [is_deleted] BIT '$."is_deleted"',
    [_raw_json] NVARCHAR(MAX) '$."_raw_json"'
) AS j;
DROP TABLE IF EXISTS #applied;
CREATE TABLE #applied ([action] NVARCHAR(10) NOT NULL, [tenant_id] UNIQUEIDENTIFIER NOT NULL, [user_id] UNIQUEIDENTIFIER NOT NULL, [is_deleted] BIT NOT NULL, [was_deleted] BIT NULL)
