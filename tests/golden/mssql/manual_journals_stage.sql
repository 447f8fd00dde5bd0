DECLARE @json NVARCHAR(MAX) = %s;
DROP TABLE IF EXISTS #stage;
SELECT j.[tenant_id], j.[manual_journal_id], j.[narration], j.[date], j.[status], j.[line_amount_types], j.[show_on_cash_basis_reports], j.[has_attachments], j.[updated_date_utc], j.[is_deleted], j.[_raw_json]
INTO #stage
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [manual_journal_id] UNIQUEIDENTIFIER '$."manual_journal_id"',
    [narration] NVARCHAR(MAX) '$."narration"',
    [date] DATE '$."date"',
    [status] NVARCHAR(MAX) '$."status"',
    [line_amount_types] NVARCHAR(MAX) '$."line_amount_types"',
    [show_on_cash_basis_reports] BIT '$."show_on_cash_basis_reports"',
    [has_attachments] BIT '$."has_attachments"',
    [updated_date_utc] DATETIME2(3) '$."updated_date_utc"',
    [is_deleted] BIT '$."is_deleted"',
    [_raw_json] NVARCHAR(MAX) '$."_raw_json"'
) AS j;
DROP TABLE IF EXISTS #applied;
CREATE TABLE #applied ([action] NVARCHAR(10) NOT NULL, [tenant_id] UNIQUEIDENTIFIER NOT NULL, [manual_journal_id] UNIQUEIDENTIFIER NOT NULL, [is_deleted] BIT NOT NULL, [was_deleted] BIT NULL)
