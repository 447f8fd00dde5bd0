DECLARE @json NVARCHAR(MAX) = %s;
DROP TABLE IF EXISTS #stage;
SELECT j.[tenant_id], j.[organisation_id], j.[name], j.[legal_name], j.[short_code], j.[api_key], j.[version], j.[organisation_type], j.[organisation_entity_type], j.[organisation_status], j.[class], j.[edition], j.[is_demo_company], j.[base_currency], j.[country_code], j.[timezone], j.[pays_tax], j.[tax_number], j.[registration_number], j.[employer_identification_number], j.[sales_tax_basis], j.[sales_tax_period], j.[default_sales_tax], j.[default_purchases_tax], j.[financial_year_end_day], j.[financial_year_end_month], j.[period_lock_date], j.[end_of_year_lock_date], j.[line_of_business], j.[bills_payment_term_day], j.[bills_payment_term_type], j.[sales_payment_term_day], j.[sales_payment_term_type], j.[created_date_utc], j.[is_deleted], j.[_raw_json]
INTO #stage
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [organisation_id] UNIQUEIDENTIFIER '$."organisation_id"',
    [name] NVARCHAR(MAX) '$."name"',
    [legal_name] NVARCHAR(MAX) '$."legal_name"',
    [short_code] NVARCHAR(MAX) '$."short_code"',
    [api_key] NVARCHAR(MAX) '$."api_key"',
    [version] NVARCHAR(MAX) '$."version"',
    [organisation_type] NVARCHAR(MAX) '$."organisation_type"',
    [organisation_entity_type] NVARCHAR(MAX) '$."organisation_entity_type"',
    [organisation_status] NVARCHAR(MAX) '$."organisation_status"',
    [class] NVARCHAR(MAX) '$."class"',
    [edition] NVARCHAR(MAX) '$."edition"',
    [is_demo_company] BIT '$."is_demo_company"',
    [base_currency] NVARCHAR(MAX) '$."base_currency"',
    [country_code] NVARCHAR(MAX) '$."country_code"',
    [timezone] NVARCHAR(MAX) '$."timezone"',
    [pays_tax] BIT '$."pays_tax"',
    [tax_number] NVARCHAR(MAX) '$."tax_number"',
    [registration_number] NVARCHAR(MAX) '$."registration_number"',
    [employer_identification_number] NVARCHAR(MAX) '$."employer_identification_number"',
    [sales_tax_basis] NVARCHAR(MAX) '$."sales_tax_basis"',
    [sales_tax_period] NVARCHAR(MAX) '$."sales_tax_period"',
    [default_sales_tax] NVARCHAR(MAX) '$."default_sales_tax"',
    [default_purchases_tax] NVARCHAR(MAX) '$."default_purchases_tax"',
    [financial_year_end_day] INT '$."financial_year_end_day"',
    [financial_year_end_month] INT '$."financial_year_end_month"',
    [period_lock_date] DATE '$."period_lock_date"',
    [end_of_year_lock_date] DATE '$."end_of_year_lock_date"',
    [line_of_business] NVARCHAR(MAX) '$."line_of_business"',
    [bills_payment_term_day] INT '$."bills_payment_term_day"',
    [bills_payment_term_type] NVARCHAR(MAX) '$."bills_payment_term_type"',
    [sales_payment_term_day] INT '$."sales_payment_term_day"',
    [sales_payment_term_type] NVARCHAR(MAX) '$."sales_payment_term_type"',
    [created_date_utc] DATETIME2(3) '$."created_date_utc"',
    [is_deleted] BIT '$."is_deleted"',
    [_raw_json] NVARCHAR(MAX) '$."_raw_json"'
) AS j;
DROP TABLE IF EXISTS #applied;
CREATE TABLE #applied ([action] NVARCHAR(10) NOT NULL, [tenant_id] UNIQUEIDENTIFIER NOT NULL, [organisation_id] UNIQUEIDENTIFIER NOT NULL, [is_deleted] BIT NOT NULL, [was_deleted] BIT NULL)
