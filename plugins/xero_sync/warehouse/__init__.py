"""The warehouse: SQL Server in production, PostgreSQL and SQLite for tests and the demo."""
