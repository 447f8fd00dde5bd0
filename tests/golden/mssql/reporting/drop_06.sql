IF OBJECT_ID(N'[xero].[profit_and_loss]', N'IF') IS NOT NULL DROP FUNCTION [xero].[profit_and_loss]
