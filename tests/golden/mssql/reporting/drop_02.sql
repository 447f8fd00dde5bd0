IF OBJECT_ID(N'[xero].[aged_payables]', N'IF') IS NOT NULL DROP FUNCTION [xero].[aged_payables]
