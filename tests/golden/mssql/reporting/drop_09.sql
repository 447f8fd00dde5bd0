IF OBJECT_ID(N'[xero].[dim_tracking_options]', N'V') IS NOT NULL DROP VIEW [xero].[dim_tracking_options]
