DECLARE @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
INSERT INTO #applied ([action], [tenant_id], [organisation_id], [is_deleted], [was_deleted])
SELECT N'UPDATE', s.[tenant_id], s.[organisation_id], s.[is_deleted], t.[is_deleted]
FROM #stage AS s
JOIN [xero].[organisation] AS t WITH (UPDLOCK, HOLDLOCK) ON t.[tenant_id] = s.[tenant_id] AND t.[organisation_id] = s.[organisation_id]
WHERE EXISTS (SELECT s.[name], s.[legal_name], s.[short_code], s.[api_key], s.[version], s.[organisation_type], s.[organisation_entity_type], s.[organisation_status], s.[class], s.[edition], s.[is_demo_company], s.[base_currency], s.[country_code], s.[timezone], s.[pays_tax], s.[tax_number], s.[registration_number], s.[employer_identification_number], s.[sales_tax_basis], s.[sales_tax_period], s.[default_sales_tax], s.[default_purchases_tax], s.[financial_year_end_day], s.[financial_year_end_month], s.[period_lock_date], s.[end_of_year_lock_date], s.[line_of_business], s.[bills_payment_term_day], s.[bills_payment_term_type], s.[sales_payment_term_day], s.[sales_payment_term_type], s.[created_date_utc], s.[is_deleted], s.[_raw_json] COLLATE Latin1_General_100_BIN2 EXCEPT SELECT t.[name], t.[legal_name], t.[short_code], t.[api_key], t.[version], t.[organisation_type], t.[organisation_entity_type], t.[organisation_status], t.[class], t.[edition], t.[is_demo_company], t.[base_currency], t.[country_code], t.[timezone], t.[pays_tax], t.[tax_number], t.[registration_number], t.[employer_identification_number], t.[sales_tax_basis], t.[sales_tax_period], t.[default_sales_tax], t.[default_purchases_tax], t.[financial_year_end_day], t.[financial_year_end_month], t.[period_lock_date], t.[end_of_year_lock_date], t.[line_of_business], t.[bills_payment_term_day], t.[bills_payment_term_type], t.[sales_payment_term_day], t.[sales_payment_term_type], t.[created_date_utc], t.[is_deleted], t.[_raw_json] COLLATE Latin1_General_100_BIN2);
INSERT INTO #applied ([action], [tenant_id], [organisation_id], [is_deleted], [was_deleted])
SELECT N'INSERT', s.[tenant_id], s.[organisation_id], s.[is_deleted], NULL
FROM #stage AS s
WHERE NOT EXISTS (SELECT 1 FROM [xero].[organisation] AS t WITH (UPDLOCK, HOLDLOCK) WHERE t.[tenant_id] = s.[tenant_id] AND t.[organisation_id] = s.[organisation_id]);
UPDATE t SET
    [name] = s.[name],
    [legal_name] = s.[legal_name],
    [short_code] = s.[short_code],
    [api_key] = s.[api_key],
    [version] = s.[version],
    [organisation_type] = s.[organisation_type],
    [organisation_entity_type] = s.[organisation_entity_type],
    [organisation_status] = s.[organisation_status],
    [class] = s.[class],
    [edition] = s.[edition],
    [is_demo_company] = s.[is_demo_company],
    [base_currency] = s.[base_currency],
    [country_code] = s.[country_code],
    [timezone] = s.[timezone],
    [pays_tax] = s.[pays_tax],
    [tax_number] = s.[tax_number],
    [registration_number] = s.[registration_number],
    [employer_identification_number] = s.[employer_identification_number],
    [sales_tax_basis] = s.[sales_tax_basis],
    [sales_tax_period] = s.[sales_tax_period],
    [default_sales_tax] = s.[default_sales_tax],
    [default_purchases_tax] = s.[default_purchases_tax],
    [financial_year_end_day] = s.[financial_year_end_day],
    [financial_year_end_month] = s.[financial_year_end_month],
    [period_lock_date] = s.[period_lock_date],
    [end_of_year_lock_date] = s.[end_of_year_lock_date],
    [line_of_business] = s.[line_of_business],
    [bills_payment_term_day] = s.[bills_payment_term_day],
    [bills_payment_term_type] = s.[bills_payment_term_type],
    [sales_payment_term_day] = s.[sales_payment_term_day],
    [sales_payment_term_type] = s.[sales_payment_term_type],
    [created_date_utc] = s.[created_date_utc],
    [is_deleted] = s.[is_deleted],
    [_raw_json] = s.[_raw_json],
    [_loaded_at] = @loaded_at, [_run_id] = @run_id
FROM [xero].[organisation] AS t
JOIN #stage AS s ON t.[tenant_id] = s.[tenant_id] AND t.[organisation_id] = s.[organisation_id]
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[organisation_id] = s.[organisation_id] AND a.[action] = N'UPDATE';
INSERT INTO [xero].[organisation] ([tenant_id], [organisation_id], [name], [legal_name], [short_code], [api_key], [version], [organisation_type], [organisation_entity_type], [organisation_status], [class], [edition], [is_demo_company], [base_currency], [country_code], [timezone], [pays_tax], [tax_number], [registration_number], [employer_identification_number], [sales_tax_basis], [sales_tax_period], [default_sales_tax], [default_purchases_tax], [financial_year_end_day], [financial_year_end_month], [period_lock_date], [end_of_year_lock_date], [line_of_business], [bills_payment_term_day], [bills_payment_term_type], [sales_payment_term_day], [sales_payment_term_type], [created_date_utc], [is_deleted], [_raw_json], [_loaded_at], [_run_id])
SELECT s.[tenant_id], s.[organisation_id], s.[name], s.[legal_name], s.[short_code], s.[api_key], s.[version], s.[organisation_type], s.[organisation_entity_type], s.[organisation_status], s.[class], s.[edition], s.[is_demo_company], s.[base_currency], s.[country_code], s.[timezone], s.[pays_tax], s.[tax_number], s.[registration_number], s.[employer_identification_number], s.[sales_tax_basis], s.[sales_tax_period], s.[default_sales_tax], s.[default_purchases_tax], s.[financial_year_end_day], s.[financial_year_end_month], s.[period_lock_date], s.[end_of_year_lock_date], s.[line_of_business], s.[bills_payment_term_day], s.[bills_payment_term_type], s.[sales_payment_term_day], s.[sales_payment_term_type], s.[created_date_utc], s.[is_deleted], s.[_raw_json], @loaded_at, @run_id
FROM #stage AS s
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[organisation_id] = s.[organisation_id] AND a.[action] = N'INSERT';
