DECLARE @result INT; EXEC @result = sp_getapplock @Resource = %s, @LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = 120000; SELECT @result AS lock_result
