CREATE TABLE [xero].[users] (
    [tenant_id] UNIQUEIDENTIFIER NOT NULL,
    [user_id] UNIQUEIDENTIFIER NOT NULL,
    [first_name] NVARCHAR(MAX) NULL,
    [last_name] NVARCHAR(MAX) NULL,
    [email_address] NVARCHAR(MAX) NULL,
    [organisation_role] NVARCHAR(50) NULL,
    [is_subscriber] BIT NULL,
    [updated_date_utc] DATETIME2(3) NULL,
    [is_deleted] BIT NOT NULL,
    [_raw_json] NVARCHAR(MAX) NOT NULL,
    [_loaded_at] DATETIME2(3) NOT NULL,
    [_run_id] NVARCHAR(250) NOT NULL,
    PRIMARY KEY ([tenant_id], [user_id])
)
