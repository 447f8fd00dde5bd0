CREATE TABLE [xero].[organisation_addresses] (
    [tenant_id] UNIQUEIDENTIFIER NOT NULL,
    [organisation_id] UNIQUEIDENTIFIER NOT NULL,
    [_position] INT NOT NULL,
    [address_type] NVARCHAR(50) NULL,
    [address_line1] NVARCHAR(MAX) NULL,
    [address_line2] NVARCHAR(MAX) NULL,
    [address_line3] NVARCHAR(MAX) NULL,
    [address_line4] NVARCHAR(MAX) NULL,
    [city] NVARCHAR(MAX) NULL,
    [region] NVARCHAR(MAX) NULL,
    [postal_code] NVARCHAR(MAX) NULL,
    [country] NVARCHAR(MAX) NULL,
    [attention_to] NVARCHAR(MAX) NULL,
    [_loaded_at] DATETIME2(3) NOT NULL,
    [_run_id] NVARCHAR(250) NOT NULL,
    PRIMARY KEY ([tenant_id], [organisation_id], [_position])
)
