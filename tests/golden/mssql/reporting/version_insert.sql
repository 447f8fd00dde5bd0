INSERT INTO [xero].[_reporting_objects] (fingerprint) VALUES (%s)
