CREATE TABLE [xero].[_reporting_objects] (fingerprint NVARCHAR(64) NOT NULL)
