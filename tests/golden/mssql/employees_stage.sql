DECLARE @json NVARCHAR(MAX) = %s;
DROP TABLE IF EXISTS #stage;
SELECT j.[tenant_id], j.[employee_id], j.[title], j.[first_name], j.[middle_names], j.[last_name], j.[status], j.[email], j.[mobile], j.[phone], j.[date_of_birth], j.[gender], j.[job_title], j.[employment_type], j.[income_type], j.[employee_group_name], j.[start_date], j.[termination_date], j.[termination_reason], j.[payroll_calendar_id], j.[ordinary_earnings_rate_id], j.[is_authorised_to_approve_leave], j.[is_authorised_to_approve_timesheets], j.[is_stp2_qualified], j.[home_address_line1], j.[home_city], j.[home_region], j.[home_postal_code], j.[home_country], j.[employment_basis], j.[residency_status], j.[tax_scale_type], j.[tax_free_threshold_claimed], j.[updated_date_utc], j.[is_deleted], j.[_raw_json]
INTO #stage
FROM OPENJSON(@json) WITH (
    [tenant_id] UNIQUEIDENTIFIER '$."tenant_id"',
    [employee_id] UNIQUEIDENTIFIER '$."employee_id"',
    [title] NVARCHAR(MAX) '$."title"',
    [first_name] NVARCHAR(MAX) '$."first_name"',
    [middle_names] NVARCHAR(MAX) '$."middle_names"',
    [last_name] NVARCHAR(MAX) '$."last_name"',
    [status] NVARCHAR(MAX) '$."status"',
    [email] NVARCHAR(MAX) '$."email"',
    [mobile] NVARCHAR(MAX) '$."mobile"',
    [phone] NVARCHAR(MAX) '$."phone"',
    [date_of_birth] DATE '$."date_of_birth"',
    [gender] NVARCHAR(MAX) '$."gender"',
    [job_title] NVARCHAR(MAX) '$."job_title"',
    [employment_type] NVARCHAR(MAX) '$."employment_type"',
    [income_type] NVARCHAR(MAX) '$."income_type"',
    [employee_group_name] NVARCHAR(MAX) '$."employee_group_name"',
    [start_date] DATE '$."start_date"',
    [termination_date] DATE '$."termination_date"',
    [termination_reason] NVARCHAR(MAX) '$."termination_reason"',
    [payroll_calendar_id] UNIQUEIDENTIFIER '$."payroll_calendar_id"',
    [ordinary_earnings_rate_id] UNIQUEIDENTIFIER '$."ordinary_earnings_rate_id"',
    [is_authorised_to_approve_leave] BIT '$."is_authorised_to_approve_leave"',
    [is_authorised_to_approve_timesheets] BIT '$."is_authorised_to_approve_timesheets"',
    [is_stp2_qualified] BIT '$."is_stp2_qualified"',
    [home_address_line1] NVARCHAR(MAX) '$."home_address_line1"',
    [home_city] NVARCHAR(MAX) '$."home_city"',
    [home_region] NVARCHAR(MAX) '$."home_region"',
    [home_postal_code] NVARCHAR(MAX) '$."home_postal_code"',
    [home_country] NVARCHAR(MAX) '$."home_country"',
    [employment_basis] NVARCHAR(MAX) '$."employment_basis"',
    [residency_status] NVARCHAR(MAX) '$."residency_status"',
    [tax_scale_type] NVARCHAR(MAX) '$."tax_scale_type"',
    [tax_free_threshold_claimed] BIT '$."tax_free_threshold_claimed"',
    [updated_date_utc] DATETIME2(3) '$."updated_date_utc"',
    [is_deleted] BIT '$."is_deleted"',
    [_raw_json] NVARCHAR(MAX) '$."_raw_json"'
) AS j;
DROP TABLE IF EXISTS #applied;
CREATE TABLE #applied ([action] NVARCHAR(10) NOT NULL, [tenant_id] UNIQUEIDENTIFIER NOT NULL, [employee_id] UNIQUEIDENTIFIER NOT NULL, [is_deleted] BIT NOT NULL, [was_deleted] BIT NULL)
