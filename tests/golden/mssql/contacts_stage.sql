DECLARE @json NVARCHAR(MAX) = %s;
DROP TABLE IF EXISTS #stage;
SELECT j.[tenant_id], j.[contact_id], j.[contact_number], j.[account_number], j.[contact_status], j.[name], j.[first_name], j.[last_name], j.[email_address], j.[bank_account_details], j.[tax_number], j.[accounts_receivable_tax_type], j.[accounts_payable_tax_type], j.[is_supplier], j.[is_customer], j.[default_currency], j.[sales_default_account_code], j.[purchases_default_account_code], j.[sales_default_line_amount_type], j.[purchases_default_line_amount_type], j.[bills_payment_term_day], j.[bills_payment_term_type], j.[sales_payment_term_day], j.[sales_payment_term_type], j.[receivable_outstanding], j.[receivable_overdue], j.[payable_outstanding], j.[payable_overdue], j.[batch_payments_bank_account_number], j.[batch_payments_bank_account_name], j.[batch_payments_details], j.[merged_to_contact_id], j.[has_attachments], j.[updated_date_utc], j.[is_deleted], j.[_raw_json]
INTO #stage
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [contact_id] UNIQUEIDENTIFIER '$."contact_id"',
    [contact_number] NVARCHAR(MAX) '$."contact_number"',
    [account_number] NVARCHAR(MAX) '$."account_number"',
    [contact_status] NVARCHAR(MAX) '$."contact_status"',
    [name] NVARCHAR(MAX) '$."name"',
    [first_name] NVARCHAR(MAX) '$."first_name"',
    [last_name] NVARCHAR(MAX) '$."last_name"',
    [email_address] NVARCHAR(MAX) '$."email_address"',
    [bank_account_details] NVARCHAR(MAX) '$."bank_account_details"',
    [tax_number] NVARCHAR(MAX) '$."tax_number"',
    [accounts_receivable_tax_type] NVARCHAR(MAX) '$."accounts_receivable_tax_type"',
    [accounts_payable_tax_type] NVARCHAR(MAX) '$."accounts_payable_tax_type"',
    [is_supplier] BIT '$."is_supplier"',
    [is_customer] BIT '$."is_customer"',
    [default_currency] NVARCHAR(MAX) '$."default_currency"',
    [sales_default_account_code] NVARCHAR(MAX) '$."sales_default_account_code"',
    [purchases_default_account_code] NVARCHAR(MAX) '$."purchases_default_account_code"',
    [sales_default_line_amount_type] NVARCHAR(MAX) '$."sales_default_line_amount_type"',
    [purchases_default_line_amount_type] NVARCHAR(MAX) '$."purchases_default_line_amount_type"',
    [bills_payment_term_day] INT '$."bills_payment_term_day"',
    [bills_payment_term_type] NVARCHAR(MAX) '$."bills_payment_term_type"',
    [sales_payment_term_day] INT '$."sales_payment_term_day"',
    [sales_payment_term_type] NVARCHAR(MAX) '$."sales_payment_term_type"',
    [receivable_outstanding] DECIMAL(19, 4) '$."receivable_outstanding"',
    [receivable_overdue] DECIMAL(19, 4) '$."receivable_overdue"',
    [payable_outstanding] DECIMAL(19, 4) '$."payable_outstanding"',
    [payable_overdue] DECIMAL(19, 4) '$."payable_overdue"',
    [batch_payments_bank_account_number] NVARCHAR(MAX) '$."batch_payments_bank_account_number"',
    [batch_payments_bank_account_name] NVARCHAR(MAX) '$."batch_payments_bank_account_name"',
    [batch_payments_details] NVARCHAR(MAX) '$."batch_payments_details"',
    [merged_to_contact_id] UNIQUEIDENTIFIER '$."merged_to_contact_id"',
    [has_attachments] BIT '$."has_attachments"',
    [updated_date_utc] DATETIME2(3) '$."updated_date_utc"',
    [is_deleted] BIT '$."is_deleted"',
    [_raw_json] NVARCHAR(MAX) '$."_raw_json"'
) AS j;
DROP TABLE IF EXISTS #applied;
CREATE TABLE #applied ([action] NVARCHAR(10) NOT NULL, [tenant_id] UNIQUEIDENTIFIER NOT NULL, [contact_id] UNIQUEIDENTIFIER NOT NULL, [is_deleted] BIT NOT NULL, [was_deleted] BIT NULL)
