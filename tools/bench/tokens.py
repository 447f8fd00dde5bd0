"""Bench section 5: token refreshes when many workers share one token store.

Xero rotates the refresh token on every use, so workers that each refreshed on their own would
refresh processes x expiries times and, racing, hit ``invalid_grant``. Design decision 1 (a
refresh under a lock, re-read after taking it) should make refreshes track expiries alone.

This reuses the worker of the acceptance test (tests/auth/rotation_worker.py) and its set-up:
16 spawned processes (fresh interpreters, as Airflow's workers are) share an SQLite token
store while the sandbox expires access tokens every 4 s; each loops ask-for-token, call the
API, force a refresh on a 401. Reported: refreshes against expiries (elapsed / TTL), the ideal
elapsed / (TTL - margin) (everyone refreshes ``margin`` early) and the naive processes x
expiries; ``invalid_grant``, 401s and worker errors must all be 0.

    PYTHONPATH=plugins:tools python -m bench --only tokens
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.common import (
    ROOT,
    connect_app,
    first_tenant,
    new_token_place,
    settings_for,
    start_sandbox,
    table,
)

# The acceptance test's figures (tests/auth/test_rotation_acceptance.py): see why there.
TTL = 4
MARGIN = 1.0
PAUSE = 0.02
STARTUP = 300.0
HOW_TO_READ = ("refreshes should be close to expiries (elapsed / TTL) and far below the naive "
               "processes x expiries; invalid_grant, 401 and worker errors must be 0")


def worker_module() -> Any:
    """The acceptance test's worker; the repository root must be importable for it (and the
    spawned children inherit this process's sys.path)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests.auth import rotation_worker

    return rotation_worker


def quiet_worker(spec: dict[str, Any], ready: Any, results: Any) -> None:
    """The acceptance test's worker with our INFO logs off (a line per refresh otherwise
    lands in the bench's table)."""
    import logging

    logging.getLogger("xero_sync").setLevel(logging.WARNING)
    worker_module().main(spec, ready, results)


def worker_spec(sandbox: Any, database: Path) -> dict[str, Any]:
    """Connect the app once (tokens into the shared store); what every worker needs."""
    from xero_sync.warehouse.dbapi import WarehouseTarget

    settings = settings_for(sandbox.url)
    place = new_token_place(WarehouseTarget("sqlite", str(database)), "xero")
    connect_app(settings, place)
    return {"settings": dataclasses.asdict(settings), "target": dataclasses.asdict(place.target),
            "schema": place.schema, "key": place.key, "tenant": first_tenant(sandbox),
            "margin": MARGIN, "pause": PAUSE}


def run_workers(spec: dict[str, Any], processes: int, seconds: float) -> list[dict[str, Any]]:
    """``processes`` spawned workers, released together; each one's counts."""
    worker_module()  # importable here, so in the spawned children too
    context = multiprocessing.get_context("spawn")
    ready = context.Barrier(processes + 1)
    queue = context.Queue()
    children = [context.Process(target=quiet_worker, daemon=True,
                                args=({**spec, "duration": seconds}, ready, queue))
                for _ in range(processes)]
    for child in children:
        child.start()
    try:
        ready.wait(timeout=STARTUP)
        return [queue.get(timeout=seconds + 120) for _ in children]
    finally:
        for child in children:
            child.join(timeout=30)
            if child.is_alive():
                child.terminate()


def run(processes: int, seconds: float) -> dict[str, Any]:
    """One contention run on SQLite; the figures."""
    sandbox = start_sandbox(20, access_token_ttl=TTL)
    try:
        with tempfile.TemporaryDirectory() as scratch:
            spec = worker_spec(sandbox, Path(scratch) / "tokens.db")
            before = sandbox.state.identity.counters.refreshed
            launched = time.perf_counter()
            results = run_workers(spec, processes, seconds)
            wall = time.perf_counter() - launched
        counters = sandbox.state.identity.counters
        return figures(results, processes, seconds, counters.refreshed - before,
                       counters.invalid_grant, counters.grace_refreshes, wall)
    finally:
        sandbox.stop()


def figures(results: list[dict[str, Any]], processes: int, seconds: float, refreshes: int,
            invalid_grant: int, grace: int, wall: float) -> dict[str, Any]:
    """Refreshes against expiries, and everything that must be zero."""
    counts: Counter[str] = Counter()
    for result in results:
        counts.update(result["counts"])
    elapsed = max(r["ended"] for r in results) - min(r["started"] for r in results)
    expiries = elapsed / TTL
    errors = sum(n for status, n in counts.items() if status != "200")
    return {"store": "sqlite", "processes": processes, "duration_seconds": seconds,
            "elapsed_seconds": round(elapsed, 1), "startup_seconds": round(wall - elapsed, 1),
            "access_token_ttl_seconds": TTL, "margin_seconds": MARGIN,
            "api_calls": sum(counts.values()), "statuses": dict(counts),
            "expiries": round(expiries, 1), "refreshes": refreshes,
            "ideal_refreshes": round(elapsed / (TTL - MARGIN), 1),
            "naive_refreshes": round(processes * expiries),
            "invalid_grant": invalid_grant, "grace_refreshes": grace,
            "non_200_or_errors": errors,
            "slowest_call_seconds": round(max(r["slowest"] for r in results), 2),
            "ok": invalid_grant == 0 and errors == 0}


def render(report: dict[str, Any]) -> str:
    """The section as a table."""
    row = [report["store"], report["processes"], report["elapsed_seconds"], report["api_calls"],
           report["expiries"], report["refreshes"], report["ideal_refreshes"],
           report["naive_refreshes"], report["invalid_grant"], report["non_200_or_errors"]]
    headers = ["store", "processes", "elapsed s", "API calls", "expiries", "refreshes",
               "ideal", "naive", "invalid_grant", "non-200"]
    return (table(headers, [row]) + f"\naccess-token TTL {report['access_token_ttl_seconds']} s,"
            f" refresh margin {report['margin_seconds']} s; {report['processes']} interpreters "
            f"took {report['startup_seconds']} s to start (not counted)")
