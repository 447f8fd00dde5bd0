DECLARE @json NVARCHAR(MAX) = %s;
DROP TABLE IF EXISTS #stage;
SELECT j.[tenant_id], j.[purchase_order_id], j.[purchase_order_number], j.[reference], j.[status], j.[contact_id], j.[contact_name], j.[date], j.[delivery_date], j.[expected_arrival_date], j.[line_amount_types], j.[currency_code], j.[currency_rate], j.[sub_total], j.[total_tax], j.[total], j.[total_discount], j.[branding_theme_id], j.[sent_to_contact], j.[delivery_address], j.[attention_to], j.[telephone], j.[delivery_instructions], j.[has_attachments], j.[updated_date_utc], j.[is_deleted], j.[_raw_json]
INTO #stage
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [purchase_order_id] UNIQUEIDENTIFIER '$."purchase_order_id"',
    [purchase_order_number] NVARCHAR(MAX) '$."purchase_order_number"',
    [reference] NVARCHAR(MAX) '$."reference"',
    [status] NVARCHAR(MAX) '$."status"',
    [contact_id] UNIQUEIDENTIFIER '$."contact_id"',
    [contact_name] NVARCHAR(MAX) '$."contact_name"',
    [date] DATE '$."date"',
    [delivery_date] DATE '$."delivery_date"',
    [expected_arrival_date] DATE '$."expected_arrival_date"',
    [line_amount_types] NVARCHAR(MAX) '$."line_amount_types"',
    [currency_code] NVARCHAR(MAX) '$."currency_code"',
    [currency_rate] DECIMAL(28, 10) '$."currency_rate"',
    [sub_total] DECIMAL(19, 4) '$."sub_total"',
    [total_tax] DECIMAL(19, 4) '$."total_tax"',
    [total] DECIMAL(19, 4) '$."total"',
    [total_discount] DECIMAL(19, 4) '$."total_discount"',
    [branding_theme_id] UNIQUEIDENTIFIER '$."branding_theme_id"',
    [sent_to_contact] BIT '$."sent_to_contact"',
    [delivery_address] NVARCHAR(MAX) '$."delivery_address"',
    [attention_to] NVARCHAR(MAX) '$."attention_to"',
    [telephone] NVARCHAR(MAX) '$."telephone"',
    [delivery_instructions] NVARCHAR(MAX) '$."delivery_instructions"',
    [has_attachments] BIT '$."has_attachments"',
    [updated_date_utc] DATETIME2(3) '$."updated_date_utc"',
    [is_deleted] BIT '$."is_deleted"',
    [_raw_json] NVARCHAR(MAX) '$."_raw_json"'
) AS j;
DROP TABLE IF EXISTS #applied;
CREATE TABLE #applied ([action] NVARCHAR(10) NOT NULL, [tenant_id] UNIQUEIDENTIFIER NOT NULL, [purchase_order_id] UNIQUEIDENTIFIER NOT NULL, [is_deleted] BIT NOT NULL, [was_deleted] BIT NULL)
