DECLARE @json NVARCHAR(MAX) = %s;
DROP TABLE IF EXISTS #stage;
SELECT j.[tenant_id], j.[credit_note_id], j.[type], j.[credit_note_number], j.[reference], j.[contact_id], j.[contact_name], j.[status], j.[line_amount_types], j.[date], j.[fully_paid_on_date], j.[currency_code], j.[currency_rate], j.[sub_total], j.[total_tax], j.[total], j.[remaining_credit], j.[sent_to_contact], j.[has_attachments], j.[updated_date_utc], j.[is_deleted], j.[_raw_json]
INTO #stage
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [credit_note_id] UNIQUEIDENTIFIER '$."credit_note_id"',
    [type] NVARCHAR(MAX) '$."type"',
    [credit_note_number] NVARCHAR(MAX) '$."credit_note_number"',
    [reference] NVARCHAR(MAX) '$."reference"',
    [contact_id] UNIQUEIDENTIFIER '$."contact_id"',
    [contact_name] NVARCHAR(MAX) '$."contact_name"',
    [status] NVARCHAR(MAX) '$."status"',
    [line_amount_types] NVARCHAR(MAX) '$."line_amount_types"',
    [date] DATE '$."date"',
    [fully_paid_on_date] DATE '$."fully_paid_on_date"',
    [currency_code] NVARCHAR(MAX) '$."currency_code"',
    [currency_rate] DECIMAL(28, 10) '$."currency_rate"',
    [sub_total] DECIMAL(19, 4) '$."sub_total"',
    [total_tax] DECIMAL(19, 4) '$."total_tax"',
    [total] DECIMAL(19, 4) '$."total"',
    [remaining_credit] DECIMAL(19, 4) '$."remaining_credit"',
    [sent_to_contact] BIT '$."sent_to_contact"',
    [has_attachments] BIT '$."has_attachments"',
    [updated_date_utc] DATETIME2(3) '$."updated_date_utc"',
    [is_deleted] BIT '$."is_deleted"',
    [_raw_json] NVARCHAR(MAX) '$."_raw_json"'
) AS j;
DROP TABLE IF EXISTS #applied;
CREATE TABLE #applied ([action] NVARCHAR(10) NOT NULL, [tenant_id] UNIQUEIDENTIFIER NOT NULL, [credit_note_id] UNIQUEIDENTIFIER NOT NULL, [is_deleted] BIT NOT NULL, [was_deleted] BIT NULL)
