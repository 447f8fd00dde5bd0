DECLARE @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
INSERT INTO #applied ([action], [tenant_id], [employee_id], [is_deleted], [was_deleted])
SELECT N'UPDATE', s.[tenant_id], s.[employee_id], s.[is_deleted], t.[is_deleted]
FROM #stage AS s
JOIN [xero].[employees] AS t WITH (UPDLOCK, HOLDLOCK) ON t.[tenant_id] = s.[tenant_id] AND t.[employee_id] = s.[employee_id]
WHERE (s.[updated_date_utc] >= t.[updated_date_utc] OR s.[updated_date_utc] IS NULL OR t.[updated_date_utc] IS NULL OR t.[updated_date_utc] > DATEADD(SECOND, 300, @loaded_at)) AND EXISTS (SELECT s.[title], s.[first_name], s.[middle_names], s.[last_name], s.[status], s.[email], s.[mobile], s.[phone], s.[date_of_birth], s.[gender], s.[job_title], s.[employment_type], s.[income_type], s.[employee_group_name], s.[start_date], s.[termination_date], s.[termination_reason], s.[payroll_calendar_id], s.[ordinary_earnings_rate_id], s.[is_authorised_to_approve_leave], s.[is_authorised_to_approve_timesheets], s.[is_stp2_qualified], s.[home_address_line1], s.[home_city], s.[home_region], s.[home_postal_code], s.[home_country], s.[employment_basis], s.[residency_status], s.[tax_scale_type], s.[tax_free_threshold_claimed], s.[updated_date_utc], s.[is_deleted], s.[_raw_json] COLLATE Latin1_General_100_BIN2 EXCEPT SELECT t.[title], t.[first_name], t.[middle_names], t.[last_name], t.[status], t.[email], t.[mobile], t.[phone], t.[date_of_birth], t.[gender], t.[job_title], t.[employment_type], t.[income_type], t.[employee_group_name], t.[start_date], t.[termination_date], t.[termination_reason], t.[payroll_calendar_id], t.[ordinary_earnings_rate_id], t.[is_authorised_to_approve_leave], t.[is_authorised_to_approve_timesheets], t.[is_stp2_qualified], t.[home_address_line1], t.[home_city], t.[home_region], t.[home_postal_code], t.[home_country], t.[employment_basis], t.[residency_status], t.[tax_scale_type], t.[tax_free_threshold_claimed], t.[updated_date_utc], t.[is_deleted], t.[_raw_json] COLLATE Latin1_General_100_BIN2);
INSERT INTO #applied ([action], [tenant_id], [employee_id], [is_deleted], [was_deleted])
SELECT N'INSERT', s.[tenant_id], s.[employee_id], s.[is_deleted], NULL
FROM #stage AS s
WHERE NOT EXISTS (SELECT 1 FROM [xero].[employees] AS t WITH (UPDLOCK, HOLDLOCK) WHERE t.[tenant_id] = s.[tenant_id] AND t.[employee_id] = s.[employee_id]);
UPDATE t SET
    [title] = s.[title],
    [first_name] = s.[first_name],
    [middle_names] = s.[middle_names],
    [last_name] = s.[last_name],
    [status] = s.[status],
    [email] = s.[email],
    [mobile] = s.[mobile],
    [phone] = s.[phone],
    [date_of_birth] = s.[date_of_birth],
    [gender] = s.[gender],
    [job_title] = s.[job_title],
    [employment_type] = s.[employment_type],
    [income_type] = s.[income_type],
    [employee_group_name] = s.[employee_group_name],
    [start_date] = s.[start_date],
    [termination_date] = s.[termination_date],
    [termination_reason] = s.[termination_reason],
    [payroll_calendar_id] = s.[payroll_calendar_id],
    [ordinary_earnings_rate_id] = s.[ordinary_earnings_rate_id],
    [is_authorised_to_approve_leave] = s.[is_authorised_to_approve_leave],
    [is_authorised_to_approve_timesheets] = s.[is_authorised_to_approve_timesheets],
    [is_stp2_qualified] = s.[is_stp2_qualified],
    [home_address_line1] = s.[home_address_line1],
    [home_city] = s.[home_city],
    [home_region] = s.[home_region],
    [home_postal_code] = s.[home_postal_code],
    [home_country] = s.[home_country],
    [employment_basis] = s.[employment_basis],
    [residency_status] = s.[residency_status],
    [tax_scale_type] = s.[tax_scale_type],
    [tax_free_threshold_claimed] = s.[tax_free_threshold_claimed],
    [updated_date_utc] = s.[updated_date_utc],
    [is_deleted] = s.[is_deleted],
    [_raw_json] = s.[_raw_json],
    [_loaded_at] = @loaded_at, [_run_id] = @run_id
FROM [xero].[employees] AS t
JOIN #stage AS s ON t.[tenant_id] = s.[tenant_id] AND t.[employee_id] = s.[employee_id]
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[employee_id] = s.[employee_id] AND a.[action] = N'UPDATE';
INSERT INTO [xero].[employees] ([tenant_id], [employee_id], [title], [first_name], [middle_names], [last_name], [status], [email], [mobile], [phone], [date_of_birth], [gender], [job_title], [employment_type], [income_type], [employee_group_name], [start_date], [termination_date], [termination_reason], [payroll_calendar_id], [ordinary_earnings_rate_id], [is_authorised_to_approve_leave], [is_authorised_to_approve_timesheets], [is_stp2_qualified], [home_address_line1], [home_city], [home_region], [home_postal_code], [home_country], [employment_basis], [residency_status], [tax_scale_type], [tax_free_threshold_claimed], [updated_date_utc], [is_deleted], [_raw_json], [_loaded_at], [_run_id])
SELECT s.[tenant_id], s.[employee_id], s.[title], s.[first_name], s.[middle_names], s.[last_name], s.[status], s.[email], s.[mobile], s.[phone], s.[date_of_birth], s.[gender], s.[job_title], s.[employment_type], s.[income_type], s.[employee_group_name], s.[start_date], s.[termination_date], s.[termination_reason], s.[payroll_calendar_id], s.[ordinary_earnings_rate_id], s.[is_authorised_to_approve_leave], s.[is_authorised_to_approve_timesheets], s.[is_stp2_qualified], s.[home_address_line1], s.[home_city], s.[home_region], s.[home_postal_code], s.[home_country], s.[employment_basis], s.[residency_status], s.[tax_scale_type], s.[tax_free_threshold_claimed], s.[updated_date_utc], s.[is_deleted], s.[_raw_json], @loaded_at, @run_id
FROM #stage AS s
JOIN #applied AS a ON a.[tenant_id] = s.[tenant_id] AND a.[employee_id] = s.[employee_id] AND a.[action] = N'INSERT';
