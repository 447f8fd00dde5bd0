DECLARE @object NVARCHAR(100) = %s, @tenant_id UNIQUEIDENTIFIER = %s, @watermark_ts DATETIME2(3) = %s, @watermark_int BIGINT = %s, @last_run_id NVARCHAR(250) = %s, @updated_at DATETIME2(3) = %s;
UPDATE t SET [watermark_ts] = CASE WHEN t.[watermark_ts] IS NULL OR @watermark_ts > t.[watermark_ts] THEN COALESCE(@watermark_ts, t.[watermark_ts]) ELSE t.[watermark_ts] END, [watermark_int] = CASE WHEN t.[watermark_int] IS NULL OR @watermark_int > t.[watermark_int] THEN COALESCE(@watermark_int, t.[watermark_int]) ELSE t.[watermark_int] END, [last_run_id] = @last_run_id, [updated_at] = @updated_at
FROM [xero].[_sync_state] AS t WITH (UPDLOCK, HOLDLOCK)
WHERE t.[object] = @object AND t.[tenant_id] = @tenant_id;
IF @@ROWCOUNT = 0
    INSERT INTO [xero].[_sync_state] ([object], [tenant_id], [watermark_ts], [watermark_int], [last_run_id], [updated_at]) VALUES (@object, @tenant_id, @watermark_ts, @watermark_int, @last_run_id, @updated_at);
