IF OBJECT_ID(N'[xero].[reporting_status]', N'V') IS NOT NULL DROP VIEW [xero].[reporting_status]
