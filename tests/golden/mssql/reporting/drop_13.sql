IF OBJECT_ID(N'[xero].[dim_dates]', N'U') IS NOT NULL DROP TABLE [xero].[dim_dates]
