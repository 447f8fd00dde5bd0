IF OBJECT_ID(N'[xero].[aged_receivables]', N'IF') IS NOT NULL DROP FUNCTION [xero].[aged_receivables]
