CREATE VIEW [xero].[dim_contacts] AS
SELECT c.tenant_id, c.contact_id, c.name AS contact_name, c.contact_number,
    c.account_number, c.contact_status, c.is_customer, c.is_supplier, c.default_currency,
    c.email_address, c.tax_number, c.is_deleted
FROM [xero].[contacts] AS c
