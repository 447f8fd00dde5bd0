"""Session-wide test setup.

Importing ``airflow.sdk`` adds a root log handler bound to whatever ``sys.stdout`` is at that
moment; done first inside a test that captures output, that stream is closed afterwards and
every later log record fails. Importing it here, at collection, binds it to pytest's
session-long capture instead.
"""

import airflow.sdk  # noqa: F401
