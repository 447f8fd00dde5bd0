DECLARE @json NVARCHAR(MAX) = %s;
DROP TABLE IF EXISTS #stage;
SELECT j.[tenant_id], j.[repeating_invoice_id], j.[type], j.[status], j.[contact_id], j.[contact_name], j.[reference], j.[branding_theme_id], j.[line_amount_types], j.[currency_code], j.[sub_total], j.[total_tax], j.[total], j.[schedule_period], j.[schedule_unit], j.[schedule_due_date], j.[schedule_due_date_type], j.[schedule_start_date], j.[schedule_next_scheduled_date], j.[schedule_end_date], j.[approved_for_sending], j.[send_copy], j.[mark_as_sent], j.[include_pdf], j.[has_attachments], j.[is_deleted], j.[_raw_json]
INTO #stage
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [repeating_invoice_id] UNIQUEIDENTIFIER '$."repeating_invoice_id"',
    [type] NVARCHAR(MAX) '$."type"',
    [status] NVARCHAR(MAX) '$."status"',
    [contact_id] UNIQUEIDENTIFIER '$."contact_id"',
    [contact_name] NVARCHAR(MAX) '$."contact_name"',
    [reference] NVARCHAR(MAX) '$."reference"',
    [branding_theme_id] UNIQUEIDENTIFIER '$."branding_theme_id"',
    [line_amount_types] NVARCHAR(MAX) '$."line_amount_types"',
    [currency_code] NVARCHAR(MAX) '$."currency_code"',
    [sub_total] DECIMAL(19, 4) '$."sub_total"',
    [total_tax] DECIMAL(19, 4) '$."total_tax"',
    [total] DECIMAL(19, 4) '$."total"',
    [schedule_period] INT '$."schedule_period"',
    [schedule_unit] NVARCHAR(MAX) '$."schedule_unit"',
    [schedule_due_date] INT '$."schedule_due_date"',
    [schedule_due_date_type] NVARCHAR(MAX) '$."schedule_due_date_type"',
    [schedule_start_date] DATE '$."schedule_start_date"',
    [schedule_next_scheduled_date] DATE '$."schedule_next_scheduled_date"',
    [schedule_end_date] DATE '$."schedule_end_date"',
    [approved_for_sending] BIT '$."approved_for_sending"',
    [send_copy] BIT '$."send_copy"',
    [mark_as_sent] BIT '$."mark_as_sent"',
    [include_pdf] BIT '$."include_pdf"',
    [has_attachments] BIT '$."has_attachments"',
    [is_deleted] BIT '$."is_deleted"',
    [_raw_json] NVARCHAR(MAX) '$."_raw_json"'
) AS j;
DROP TABLE IF EXISTS #applied;
CREATE TABLE #applied ([action] NVARCHAR(10) NOT NULL, [tenant_id] UNIQUEIDENTIFIER NOT NULL, [repeating_invoice_id] UNIQUEIDENTIFIER NOT NULL, [is_deleted] BIT NOT NULL, [was_deleted] BIT NULL)
