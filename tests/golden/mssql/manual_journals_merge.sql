DECLARE @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s;
MERGE INTO [xero].[manual_journals] WITH (HOLDLOCK) AS t
USING #stage AS s
ON t.[tenant_id] = s.[tenant_id] AND t.[manual_journal_id] = s.[manual_journal_id]
WHEN MATCHED AND (s.[updated_date_utc] >= t.[updated_date_utc] OR s.[updated_date_utc] IS NULL OR t.[updated_date_utc] IS NULL) AND EXISTS (SELECT s.[narration], s.[date], s.[status], s.[line_amount_types], s.[show_on_cash_basis_reports], s.[has_attachments], s.[updated_date_utc], s.[is_deleted], s.[_raw_json] COLLATE Latin1_General_100_BIN2 EXCEPT SELECT t.[narration], t.[date], t.[status], t.[line_amount_types], t.[show_on_cash_basis_reports], t.[has_attachments], t.[updated_date_utc], t.[is_deleted], t.[_raw_json] COLLATE Latin1_General_100_BIN2) THEN
    UPDATE SET [narration] = s.[narration], [date] = s.[date], [status] = s.[status], [line_amount_types] = s.[line_amount_types], [show_on_cash_basis_reports] = s.[show_on_cash_basis_reports], [has_attachments] = s.[has_attachments], [updated_date_utc] = s.[updated_date_utc], [is_deleted] = s.[is_deleted], [_raw_json] = s.[_raw_json], [_loaded_at] = @loaded_at, [_run_id] = @run_id
WHEN NOT MATCHED BY TARGET THEN
    INSERT ([tenant_id], [manual_journal_id], [narration], [date], [status], [line_amount_types], [show_on_cash_basis_reports], [has_attachments], [updated_date_utc], [is_deleted], [_raw_json], [_loaded_at], [_run_id])
    VALUES (s.[tenant_id], s.[manual_journal_id], s.[narration], s.[date], s.[status], s.[line_amount_types], s.[show_on_cash_basis_reports], s.[has_attachments], s.[updated_date_utc], s.[is_deleted], s.[_raw_json], @loaded_at, @run_id)
OUTPUT $action, inserted.[tenant_id], inserted.[manual_journal_id], inserted.[is_deleted], deleted.[is_deleted] INTO #applied;
