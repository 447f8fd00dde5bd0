"""Session-wide test setup.

Importing ``airflow.sdk`` adds a root log handler bound to whatever ``sys.stdout`` is at that
moment; done first inside a test that captures output, that stream is closed afterwards and
every later log record fails. Importing it here, at collection, binds it to pytest's
session-long capture instead.

The live SQL Server tests skip, saying so, when ``XERO_SYNC_TEST_MSSQL`` is unset; with
``REQUIRE_MSSQL=1`` (which ``.ci/run`` sets when it started Babelfish) such a skip is a failure
instead, as ``REQUIRE_POSTGRES=1`` does for PostgreSQL. Every such skip names the variable in
its reason, which is how it is recognised here.

``make test`` runs the suite on two pytest-xdist workers with ``--dist loadgroup``; which
tests run together on one worker is ``tests/xdist_groups.py``'s to say.

After collection, everything imported so far (Airflow, pandas, the mappings) is frozen out of
the cyclic garbage collector's reach: a full collection would otherwise walk those millions of
objects again and again, each time finding nothing to free.
"""

import gc
import os
from collections.abc import Generator
from typing import Any

import airflow.sdk  # noqa: F401
import pytest

from tests.xdist_groups import pytest_collection_modifyitems  # noqa: F401 - the worker groups

MSSQL_VARIABLE = "XERO_SYNC_TEST_MSSQL"


def pytest_collection_finish(session: pytest.Session) -> None:
    """Freeze what collection imported (see the module docstring)."""
    gc.collect()
    gc.freeze()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]
                              ) -> Generator[None, Any, None]:
    """With REQUIRE_MSSQL=1, a test skipped for want of SQL Server fails."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("REQUIRE_MSSQL") != "1" or not report.skipped:
        return
    reason = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else ""
    if MSSQL_VARIABLE in reason:
        report.outcome = "failed"
        report.longrepr = (f"REQUIRE_MSSQL=1, but this SQL Server test was skipped: {reason} "
                           f"({MSSQL_VARIABLE}={os.environ.get(MSSQL_VARIABLE, '')!r})")
