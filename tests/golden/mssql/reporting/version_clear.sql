DELETE FROM [xero].[_reporting_objects]
