CREATE VIEW [xero].[_webhook_status] AS
SELECT [tenant_id], [category], COUNT(*) AS [received],
  SUM(CASE WHEN [processed_at] IS NULL THEN 0 ELSE 1 END) AS [processed],
  SUM(CASE WHEN [processed_at] IS NULL THEN 1 ELSE 0 END) AS [pending],
  MIN(CASE WHEN [processed_at] IS NULL THEN [received_at] END) AS [oldest_pending_received_at],
  DATEDIFF(SECOND, MIN(CASE WHEN [processed_at] IS NULL THEN [received_at] END), SYSUTCDATETIME()) AS [oldest_pending_seconds],
  MAX([received_at]) AS [last_received_at]
FROM [xero].[_webhook_events]
GROUP BY [tenant_id], [category]
