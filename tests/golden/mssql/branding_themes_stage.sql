DECLARE @json NVARCHAR(MAX) = %s;
DROP TABLE IF EXISTS #stage;
SELECT j.[tenant_id], j.[branding_theme_id], j.[name], j.[type], j.[sort_order], j.[logo_url], j.[created_date_utc], j.[is_deleted], j.[_raw_json]
INTO #stage
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [branding_theme_id] UNIQUEIDENTIFIER '$."branding_theme_id"',
    [name] NVARCHAR(MAX) '$."name"',
    [type] NVARCHAR(MAX) '$."type"',
    [sort_order] INT '$."sort_order"',
    [logo_url] NVARCHAR(MAX) '$."logo_url"',
    [created_date_utc] DATETIME2(3) '$."created_date_utc"',
    [is_deleted] BIT '$."is_deleted"',
    [_raw_json] NVARCHAR(MAX) '$."_raw_json"'
) AS j;
DROP TABLE IF EXISTS #applied;
CREATE TABLE #applied ([action] NVARCHAR(10) NOT NULL, [tenant_id] UNIQUEIDENTIFIER NOT NULL, [branding_theme_id] UNIQUEIDENTIFIER NOT NULL, [is_deleted] BIT NOT NULL, [was_deleted] BIT NULL)
