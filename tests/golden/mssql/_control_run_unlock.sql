DECLARE @result INT; EXEC @result = sp_releaseapplock @Resource = %s, @LockOwner = 'Session'; SELECT @result AS unlock_result
