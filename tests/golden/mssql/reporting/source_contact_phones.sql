CREATE TABLE [xero].[contact_phones] (
    [tenant_id] UNIQUEIDENTIFIER NOT NULL,
    [contact_id] UNIQUEIDENTIFIER NOT NULL,
    [_position] INT NOT NULL,
    [phone_type] NVARCHAR(50) NULL,
    [phone_number] NVARCHAR(MAX) NULL,
    [phone_area_code] NVARCHAR(MAX) NULL,
    [phone_country_code] NVARCHAR(MAX) NULL,
    [_loaded_at] DATETIME2(3) NOT NULL,
    [_run_id] NVARCHAR(250) NOT NULL,
    PRIMARY KEY ([tenant_id], [contact_id], [_position])
)
