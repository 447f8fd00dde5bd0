"""A local, faithful stand-in for Xero's identity service, Accounting API and Payroll API.

Everything in this project is tested against it, so where it is more lenient than Xero our users
would find the bug in production. Start it with ``python -m xero_sandbox --help``.
"""
