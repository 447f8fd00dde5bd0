CREATE VIEW [xero].[dim_tracking_options] AS
SELECT c.tenant_id, c.tracking_category_id, c.name AS tracking_category_name,
    c.status AS tracking_category_status, o.tracking_option_id,
    o.name AS tracking_option_name, o.status AS tracking_option_status
FROM [xero].[tracking_categories] AS c
JOIN [xero].[tracking_category_options] AS o
    ON o.tenant_id = c.tenant_id AND o.tracking_category_id = c.tracking_category_id
