SELECT fingerprint FROM [xero].[_reporting_objects]
