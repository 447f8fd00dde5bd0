"""Xero → SQL Server sync for Apache Airflow 3: hook, token store, extraction and loading."""
