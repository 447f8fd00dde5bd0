SELECT [name] FROM sys.columns WHERE [object_id] = OBJECT_ID(%s) ORDER BY [column_id]
