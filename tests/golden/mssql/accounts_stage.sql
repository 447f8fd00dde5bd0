DECLARE @json NVARCHAR(MAX) = %s;
DROP TABLE IF EXISTS #stage;
SELECT j.[tenant_id], j.[account_id], j.[code], j.[name], j.[type], j.[class], j.[status], j.[description], j.[tax_type], j.[system_account], j.[reporting_code], j.[reporting_code_name], j.[bank_account_number], j.[bank_account_type], j.[currency_code], j.[enable_payments_to_account], j.[show_in_expense_claims], j.[add_to_watchlist], j.[has_attachments], j.[updated_date_utc], j.[is_deleted], j.[_raw_json]
INTO #stage
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [account_id] UNIQUEIDENTIFIER '$."account_id"',
    [code] NVARCHAR(MAX) '$."code"',
    [name] NVARCHAR(MAX) '$."name"',
    [type] NVARCHAR(MAX) '$."type"',
    [class] NVARCHAR(MAX) '$."class"',
    [status] NVARCHAR(MAX) '$."status"',
    [description] NVARCHAR(MAX) '$."description"',
    [tax_type] NVARCHAR(MAX) '$."tax_type"',
    [system_account] NVARCHAR(MAX) '$."system_account"',
    [reporting_code] NVARCHAR(MAX) '$."reporting_code"',
    [reporting_code_name] NVARCHAR(MAX) '$."reporting_code_name"',
    [bank_account_number] NVARCHAR(MAX) '$."bank_account_number"',
    [bank_account_type] NVARCHAR(MAX) '$."bank_account_type"',
    [currency_code] NVARCHAR(MAX) '$."currency_code"',
    [enable_payments_to_account] BIT '$."enable_payments_to_account"',
    [show_in_expense_claims] BIT '$."show_in_expense_claims"',
    [add_to_watchlist] BIT '$."add_to_watchlist"',
    [has_attachments] BIT '$."has_attachments"',
    [updated_date_utc] DATETIME2(3) '$."updated_date_utc"',
    [is_deleted] BIT '$."is_deleted"',
    [_raw_json] NVARCHAR(MAX) '$."_raw_json"'
) AS j;
DROP TABLE IF EXISTS #applied;
CREATE TABLE #applied ([action] NVARCHAR(10) NOT NULL, [tenant_id] UNIQUEIDENTIFIER NOT NULL, [account_id] UNIQUEIDENTIFIER NOT NULL, [is_deleted] BIT NOT NULL, [was_deleted] BIT NULL)
