DECLARE @processed_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s, @tenant_id UNIQUEIDENTIFIER = %s, @keys NVARCHAR(MAX) = %s;
UPDATE [xero].[_webhook_events]
SET [processed_at] = @processed_at, [run_id] = @run_id
WHERE [tenant_id] = @tenant_id AND [processed_at] IS NULL AND [event_key] IN (SELECT k.[key] FROM OPENJSON(@keys) WITH ([key] NVARCHAR(64) '$') AS k)
