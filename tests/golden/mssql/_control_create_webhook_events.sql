CREATE TABLE [xero].[_webhook_events] (
    [tenant_id] UNIQUEIDENTIFIER NOT NULL,
    [event_key] NVARCHAR(64) NOT NULL,
    [category] NVARCHAR(20) NOT NULL,
    [event_type] NVARCHAR(20) NOT NULL,
    [resource_id] UNIQUEIDENTIFIER NOT NULL,
    [event_date] DATETIME2(3) NULL,
    [received_at] DATETIME2(3) NOT NULL,
    [processed_at] DATETIME2(3) NULL,
    [run_id] NVARCHAR(250) NULL,
    [event_json] NVARCHAR(MAX) NOT NULL,
    PRIMARY KEY ([tenant_id], [event_key])
)
