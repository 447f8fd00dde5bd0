SELECT c.[name], TYPE_NAME(c.[user_type_id]), c.[max_length], c.[precision], c.[scale] FROM sys.columns AS c WHERE c.[object_id] = OBJECT_ID(%s) ORDER BY c.[column_id]
