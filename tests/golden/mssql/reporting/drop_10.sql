IF OBJECT_ID(N'[xero].[dim_contacts]', N'V') IS NOT NULL DROP VIEW [xero].[dim_contacts]
