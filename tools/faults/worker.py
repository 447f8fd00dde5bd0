"""The sync process of the fault-injection suite: every mapping for every organisation, once.

It runs in a child process (``multiprocessing`` forkserver, this module preloaded) so the
suite can SIGKILL it at any moment: inside an HTTP exchange, a MERGE, a COMMIT or a token
refresh. It does what a scheduled Airflow run of every DAG does, without Airflow's scheduler:
``run_sync`` per (mapping, organisation) with the production client, token manager and
warehouse; a task that fails does not stop the others (Airflow's tasks are independent too).

Waits are recorded, not slept: the sandbox's injected faults say ``Retry-After: 1`` and the
client's backoff would only cost wall time, so the suite can afford many trials.

Each task's request is built by ``tasks.build_request`` from the context Airflow would hand it:
a scheduled run, a manual full refresh, or a backfill with its data interval (so a backfill
here reads from its interval's start exactly as a backfill task does). The run's clock is the
sandbox's: Xero's clock and the worker's agree in production, and the sandbox's runs ahead
once a trial has moved it (a day-limit trial moves it a day), so ``xero_sync.sync`` judges
watermarks in the future by the sandbox's now, not by a clock a day behind Xero's.

The outcome is written to ``result_path`` only when every task has been attempted; a killed
run leaves no file, which is how the parent tells a kill from a finished run.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

# Preloaded in the forkserver so that forking a worker costs milliseconds, not seconds:
# pandas (transform), psycopg (PostgreSQL warehouses) and Airflow's secret masker (the token
# manager registers every token with it on first use).
import airflow.sdk.log  # noqa: F401
import psycopg  # noqa: F401
from airflow.sdk.api.datamodels._generated import DagRunType

import xero_sync.sync
from xero_sync.auth.crypto import TokenCipher
from xero_sync.auth.oauth import TokenManager
from xero_sync.auth.token_store import token_store
from xero_sync.client import RetryPolicy, XeroClient
from xero_sync.errors import DayLimitReached
from xero_sync.extract import ExtractSpec, Page, extract
from xero_sync.mapping import ObjectMapping, load_mappings
from xero_sync.scopes import EVERY_OBJECT
from xero_sync.settings import XeroSettings
from xero_sync.sync import SyncRequest, run_sync
from xero_sync.tasks import build_request
from xero_sync.warehouse.base import DEFAULT_SCHEMA
from xero_sync.warehouse.dbapi import WarehouseTarget
from xero_sync.warehouse.factory import warehouse_for

ROOT = Path(__file__).resolve().parents[2]
MAPPINGS: dict[str, ObjectMapping] = {
    m.name: m for m in load_mappings(ROOT / "include" / "mappings")}
# Production limits, with every wait recorded instead of slept (see the module docstring).
FAST_RETRIES = RetryPolicy(backoff_base=0.0, backoff_max=0.0)
TOKEN_RETRY_DELAYS = (0.0, 0.0, 0.0, 0.0)
EXIT_TASKS_FAILED = 3


@dataclass(frozen=True)
class WorkerJob:
    """Everything one sync process needs (picklable: it crosses the process boundary)."""

    sandbox_url: str
    client_id: str
    client_secret: str
    fernet_key: str
    target: WarehouseTarget
    run_id: str
    tasks: tuple[tuple[str, str], ...]  # (mapping name, tenant id), in the order to run
    result_path: str
    log_path: str
    full_refresh: bool = False
    page_size: int = 1000
    commit_every: int = 5
    clock_offset: float = 0.0  # the sandbox clock's lead over real time (seconds)
    backfill_start: datetime | None = None  # a backfill run of the interval starting here
    backfill_end: datetime | None = None
    overlap_seconds: float = 300.0  # the sync's overlap (production: five minutes)
    lock_wait_seconds: float = 240.0  # how long a run waits for another of its object


@dataclass
class WorkerResult:
    """What a finished run reports back."""

    succeeded: int = 0
    failures: list[dict[str, str]] = field(default_factory=list)
    calls: int = 0
    retries: int = 0
    rate_limit_waits: int = 0
    waited_seconds: float = 0.0  # recorded, not slept
    seconds: float = 0.0

    @property
    def day_limited(self) -> int:
        """Tasks stopped by an organisation's spent day limit."""
        return sum(1 for f in self.failures if f["error"] == DayLimitReached.__name__)

    @classmethod
    def read(cls, path: Path) -> WorkerResult | None:
        """The result a run wrote, or None when it never finished (killed)."""
        if not path.exists():
            return None
        return cls(**json.loads(path.read_text()))


class _Source:
    """The hook's ``extract`` without Airflow: the production client and strategies."""

    def __init__(self, client: XeroClient, page_size: int) -> None:
        self.client = client
        self.page_size = page_size

    def extract(self, spec: ExtractSpec, tenant_id: str, since: datetime | None = None,
                offset: int | None = None) -> Iterator[Page]:
        """Stream one object's pages for one organisation."""
        return extract(self.client, spec, tenant_id, since, offset, self.page_size)


def run_job(job: WorkerJob) -> None:
    """The process target: sync every task, write the result, exit non-zero if any failed."""
    _quiet_logging(job.log_path)
    result = sync_all(job)
    _write(Path(job.result_path), result)
    if result.failures:
        sys.exit(EXIT_TASKS_FAILED)


def sync_all(job: WorkerJob) -> WorkerResult:
    """``run_sync`` for every task of the job, each failure recorded and the next task run."""
    started = time.monotonic()
    result = WorkerResult()
    _follow_sandbox_clock(job.clock_offset)
    client = _client(job)
    warehouse = warehouse_for(job.target, DEFAULT_SCHEMA)
    try:
        warehouse.ensure_tables(list(MAPPINGS.values()))
        source = _Source(client, job.page_size)
        for name, tenant in job.tasks:
            request = _request(job, MAPPINGS[name], tenant)
            try:
                run_sync(source, warehouse, request, client.counter)
                result.succeeded += 1
            except Exception as error:  # each task stands alone, as in Airflow
                result.failures.append({"mapping": name, "tenant": tenant,
                                        "error": type(error).__name__,
                                        "message": str(error)[:500]})
    finally:
        warehouse.close()
    counter = client.counter
    result.calls, result.retries = counter.calls, counter.retries
    result.rate_limit_waits = counter.rate_limit_waits
    result.waited_seconds = round(counter.slept_seconds, 3)
    result.seconds = round(time.monotonic() - started, 3)
    return result


def _request(job: WorkerJob, mapping: ObjectMapping, tenant: str) -> SyncRequest:
    """The request the task would make, from the context Airflow would give it; with the
    job's overlap, commit interval and lock wait."""
    request = build_request(mapping, tenant, task_context(job))
    return replace(request, overlap=timedelta(seconds=job.overlap_seconds),
                   commit_every=job.commit_every,
                   lock_wait=timedelta(seconds=job.lock_wait_seconds))


def task_context(job: WorkerJob) -> dict[str, Any]:
    """What Airflow hands a sync task: a backfill run with its data interval, a manual run
    asking for a full refresh, or a scheduled run (no interval: no reconciliation falls due)."""
    if job.backfill_start is not None:
        end = job.backfill_end or job.backfill_start + timedelta(hours=1)
        return {"params": {}, "dag_run": SimpleNamespace(run_id=job.run_id,
                                                         run_type=DagRunType.BACKFILL),
                "data_interval_start": job.backfill_start, "data_interval_end": end}
    run_type = DagRunType.MANUAL if job.full_refresh else DagRunType.SCHEDULED
    return {"params": {"full_refresh": job.full_refresh},
            "dag_run": SimpleNamespace(run_id=job.run_id, run_type=run_type)}


def _follow_sandbox_clock(offset: float) -> None:
    """Make ``xero_sync.sync``'s now the sandbox's (see the module docstring); loudly, if the
    module no longer reads its clock through ``_now``."""
    if not callable(getattr(xero_sync.sync, "_now", None)):
        raise RuntimeError("xero_sync.sync._now is gone: the fault suite's worker must run "
                           "the sync on the sandbox's clock; update _follow_sandbox_clock")
    xero_sync.sync._now = lambda: (  # type: ignore[attr-defined]
        datetime.fromtimestamp(time.time() + offset, UTC).replace(tzinfo=None))


def _client(job: WorkerJob) -> XeroClient:
    """The production client and token manager, on the sandbox's clock, waits recorded."""
    settings = XeroSettings(job.client_id, job.client_secret, api_url=job.sandbox_url,
                            identity_url=job.sandbox_url, login_url=job.sandbox_url,
                            scopes=EVERY_OBJECT, page_size=job.page_size)
    store = token_store(job.target, TokenCipher(job.fernet_key), DEFAULT_SCHEMA)
    waited: list[float] = []
    manager = TokenManager(settings, store, clock=_clock(job.clock_offset),
                           retry_delays=TOKEN_RETRY_DELAYS, sleep=waited.append)
    return XeroClient(settings, manager, FAST_RETRIES, sleep=waited.append)


def _clock(offset: float) -> Callable[[], datetime]:
    """The sandbox's now, so token expiry is judged as the sandbox judges it."""
    return lambda: datetime.fromtimestamp(time.time() + offset, UTC)


def _write(path: Path, result: WorkerResult) -> None:
    """Write the result atomically: a half-written file must never look like a finished run."""
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(asdict(result)))
    os.replace(partial, path)


def _quiet_logging(log_path: str) -> None:
    """Warnings and errors of this run go to its own log file, not the suite's terminal."""
    descriptor = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    for stream in (1, 2):
        os.dup2(descriptor, stream)
    os.close(descriptor)
    root = logging.getLogger()
    root.handlers[:] = [logging.StreamHandler(sys.stderr)]
    root.setLevel(logging.WARNING)
