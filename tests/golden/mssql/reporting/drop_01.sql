IF OBJECT_ID(N'[xero].[aged_summary]', N'IF') IS NOT NULL DROP FUNCTION [xero].[aged_summary]
