IF OBJECT_ID(N'[xero].[dim_accounts]', N'V') IS NOT NULL DROP VIEW [xero].[dim_accounts]
