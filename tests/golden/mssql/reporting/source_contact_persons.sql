CREATE TABLE [xero].[contact_persons] (
    [tenant_id] UNIQUEIDENTIFIER NOT NULL,
    [contact_id] UNIQUEIDENTIFIER NOT NULL,
    [_position] INT NOT NULL,
    [first_name] NVARCHAR(MAX) NULL,
    [last_name] NVARCHAR(MAX) NULL,
    [email_address] NVARCHAR(MAX) NULL,
    [include_in_emails] BIT NULL,
    [_loaded_at] DATETIME2(3) NOT NULL,
    [_run_id] NVARCHAR(250) NOT NULL,
    PRIMARY KEY ([tenant_id], [contact_id], [_position])
)
