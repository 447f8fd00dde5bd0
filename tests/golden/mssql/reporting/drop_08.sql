IF OBJECT_ID(N'[xero].[general_ledger]', N'V') IS NOT NULL DROP VIEW [xero].[general_ledger]
