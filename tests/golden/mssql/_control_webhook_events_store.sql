DECLARE @json NVARCHAR(MAX) = %s;
INSERT INTO [xero].[_webhook_events] ([tenant_id], [event_key], [category], [event_type], [resource_id], [event_date], [received_at], [processed_at], [run_id], [event_json])
SELECT j.[tenant_id], j.[event_key], j.[category], j.[event_type], j.[resource_id], j.[event_date], j.[received_at], j.[processed_at], j.[run_id], j.[event_json]
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [event_key] NVARCHAR(MAX) '$."event_key"',
    [category] NVARCHAR(MAX) '$."category"',
    [event_type] NVARCHAR(MAX) '$."event_type"',
    [resource_id] UNIQUEIDENTIFIER '$."resource_id"',
    [event_date] DATETIME2(3) '$."event_date"',
    [received_at] DATETIME2(3) '$."received_at"',
    [processed_at] DATETIME2(3) '$."processed_at"',
    [run_id] NVARCHAR(MAX) '$."run_id"',
    [event_json] NVARCHAR(MAX) '$."event_json"'
) AS j
WHERE NOT EXISTS (SELECT 1 FROM [xero].[_webhook_events] AS e WITH (UPDLOCK, HOLDLOCK) WHERE e.[tenant_id] = j.[tenant_id] AND e.[event_key] = j.[event_key]);
SELECT @@ROWCOUNT AS stored
