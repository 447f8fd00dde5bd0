INSERT INTO [xero].[_quarantine] ([tenant_id], [object], [record_key], [reason], [raw_json], [run_id], [quarantined_at])
SELECT j.[tenant_id], j.[object], j.[record_key], j.[reason], j.[raw_json], j.[run_id], j.[quarantined_at]
FROM OPENJSON(%s) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [object] NVARCHAR(MAX) '$."object"',
    [record_key] NVARCHAR(MAX) '$."record_key"',
    [reason] NVARCHAR(MAX) '$."reason"',
    [raw_json] NVARCHAR(MAX) '$."raw_json"',
    [run_id] NVARCHAR(MAX) '$."run_id"',
    [quarantined_at] DATETIME2(3) '$."quarantined_at"'
) AS j
