"""Airflow hooks of this package."""
