IF OBJECT_ID(N'[xero].[balance_sheet]', N'IF') IS NOT NULL DROP FUNCTION [xero].[balance_sheet]
