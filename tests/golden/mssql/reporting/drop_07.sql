IF OBJECT_ID(N'[xero].[trial_balance]', N'IF') IS NOT NULL DROP FUNCTION [xero].[trial_balance]
