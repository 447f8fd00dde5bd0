DECLARE @json NVARCHAR(MAX) = %s;
DROP TABLE IF EXISTS #stage;
SELECT j.[tenant_id], j.[invoice_id], j.[type], j.[invoice_number], j.[reference], j.[contact_id], j.[contact_name], j.[status], j.[line_amount_types], j.[date], j.[due_date], j.[expected_payment_date], j.[planned_payment_date], j.[fully_paid_on_date], j.[currency_code], j.[currency_rate], j.[sub_total], j.[total_tax], j.[total], j.[total_discount], j.[amount_due], j.[amount_paid], j.[amount_credited], j.[branding_theme_id], j.[repeating_invoice_id], j.[sent_to_contact], j.[is_discounted], j.[has_attachments], j.[url], j.[updated_date_utc], j.[is_deleted], j.[_raw_json]
INTO #stage
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [invoice_id] UNIQUEIDENTIFIER '$."invoice_id"',
    [type] NVARCHAR(MAX) '$."type"',
    [invoice_number] NVARCHAR(MAX) '$."invoice_number"',
    [reference] NVARCHAR(MAX) '$."reference"',
    [contact_id] UNIQUEIDENTIFIER '$."contact_id"',
    [contact_name] NVARCHAR(MAX) '$."contact_name"',
    [status] NVARCHAR(MAX) '$."status"',
    [line_amount_types] NVARCHAR(MAX) '$."line_amount_types"',
    [date] DATE '$."date"',
    [due_date] DATE '$."due_date"',
    [expected_payment_date] DATE '$."expected_payment_date"',
    [planned_payment_date] DATE '$."planned_payment_date"',
    [fully_paid_on_date] DATE '$."fully_paid_on_date"',
    [currency_code] NVARCHAR(MAX) '$."currency_code"',
    [currency_rate] DECIMAL(28, 10) '$."currency_rate"',
    [sub_total] DECIMAL(19, 4) '$."sub_total"',
    [total_tax] DECIMAL(19, 4) '$."total_tax"',
    [total] DECIMAL(19, 4) '$."total"',
    [total_discount] DECIMAL(19, 4) '$."total_discount"',
    [amount_due] DECIMAL(19, 4) '$."amount_due"',
    [amount_paid] DECIMAL(19, 4) '$."amount_paid"',
    [amount_credited] DECIMAL(19, 4) '$."amount_credited"',
    [branding_theme_id] UNIQUEIDENTIFIER '$."branding_theme_id"',
    [repeating_invoice_id] UNIQUEIDENTIFIER '$."repeating_invoice_id"',
    [sent_to_contact] BIT '$."sent_to_contact"',
    [is_discounted] BIT '$."is_discounted"',
    [has_attachments] BIT '$."has_attachments"',
    [url] NVARCHAR(MAX) '$."url"',
    [updated_date_utc] DATETIME2(3) '$."updated_date_utc"',
    [is_deleted] BIT '$."is_deleted"',
    [_raw_json] NVARCHAR(MAX) '$."_raw_json"'
) AS j;
DROP TABLE IF EXISTS #applied;
CREATE TABLE #applied ([action] NVARCHAR(10) NOT NULL, [tenant_id] UNIQUEIDENTIFIER NOT NULL, [invoice_id] UNIQUEIDENTIFIER NOT NULL, [is_deleted] BIT NOT NULL, [was_deleted] BIT NULL)
