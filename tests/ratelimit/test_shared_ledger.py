"""Several processes pacing one organisation through the warehouse share its budget: in any
window no more calls start than the limit, no more are in flight than allowed, and together
they take as long as one budget needs (each alone would need a fraction of it).

Real processes and a real clock, on a one-second window of 5 calls (ledger_worker.LIMITS), so
the same arithmetic as Xero's minute runs in seconds. SQLite (the ledger's file beside the
warehouse), PostgreSQL, and SQL Server when ``XERO_SYNC_TEST_MSSQL`` names one (Babelfish here).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.auth.conftest import drop_schema, postgres_available
from tests.ratelimit import ledger_worker
from xero_sync.warehouse.dbapi import connect, target_from_uri

# Babelfish takes about 0.2 s to connect and lock, where SQL Server takes milliseconds: there
# the test runs fewer calls, to stay fast.
SIZES = {"sqlite": (4, 6), "postgres": (4, 6), "mssql": (3, 4)}
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", "postgres", "mssql"])
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A warehouse URI and a scratch schema."""
    request.node.sizes = SIZES[request.param]
    schema = f"xero_rate_test_{uuid.uuid4().hex[:8]}"
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'warehouse.db'}", schema
        assert (tmp_path / "warehouse.db-ratelimit").exists()  # beside, not in, the warehouse
    elif request.param == "postgres":
        if not postgres_available():
            pytest.skip("PostgreSQL at 127.0.0.1:5432 is unreachable (REQUIRE_POSTGRES=1 fails)")
        yield "postgresql://postgres@127.0.0.1:5432/postgres", schema
        drop_schema(schema)
    else:
        uri = os.environ.get("XERO_SYNC_TEST_MSSQL")
        if not uri:
            pytest.skip("no SQL Server here: set XERO_SYNC_TEST_MSSQL=mssql://user:pass@host"
                        ":1433/db to run the shared ledger against a live server")
        yield uri, schema
        connection = connect(target_from_uri(uri))
        cursor = connection.cursor()
        cursor.execute(f"DROP TABLE IF EXISTS [{schema}].[_rate_limit_calls]")
        cursor.execute(f"DROP SCHEMA IF EXISTS [{schema}]")
        connection.commit()
        connection.close()


def run_workers(uri: str, schema: str, workers: int, calls: int) -> list[tuple[float, float]]:
    start_at = time.time() + 4  # every interpreter is up by then, so they really compete
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'plugins'}:{ROOT / 'tools'}:{ROOT}"}
    running = [subprocess.Popen(
        [sys.executable, ledger_worker.__file__, uri, schema, str(calls), str(start_at)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for _ in range(workers)]
    finished = [_finish(worker) for worker in running]  # every pipe closed, whatever failed
    held: list[tuple[float, float]] = []
    for returncode, out, err in finished:
        assert returncode == 0, err
        held += [tuple(pair) for pair in json.loads(out.splitlines()[-1])]  # type: ignore[misc]
    return sorted(held)


def _finish(worker: subprocess.Popen[str]) -> tuple[int, str, str]:
    """Wait for one worker (killing it after two minutes) and close its pipes."""
    try:
        out, err = worker.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        worker.kill()
        out, err = worker.communicate()
    return worker.returncode, out, err


def test_processes_share_one_organisations_budget(warehouse: tuple[str, str],
                                                  request: pytest.FixtureRequest) -> None:
    limits = ledger_worker.LIMITS
    workers, calls = request.node.sizes
    held = run_workers(*warehouse, workers, calls)
    starts = [start for start, _ in held]
    assert len(starts) == workers * calls
    per, window = int(limits["per_minute"]), float(limits["window"])
    for i in range(per, len(starts)):
        assert starts[i] - starts[i - per] >= window, (i, starts)  # never more than 5 a window
    for start, _ in held:
        in_flight = sum(1 for s, e in held if s <= start < e)
        assert in_flight <= limits["concurrent"], (start, held)
    floor = window * math.floor((len(starts) - 1) / per)
    assert starts[-1] - starts[0] >= floor  # one budget for them all, not one each
