"""A backfill created with ``airflow backfill create`` over three intervals, run by a real
scheduler (``airflow standalone``: api-server, scheduler, dag-processor, triggerer), re-reads
each interval (its requests carry If-Modified-Since = the run's data_interval_start), completes,
re-merges idempotently and never moves the watermark back (issue 5, issue 10 point 8).

The three intervals are the hour of the latest weekly reconciliation (Sunday 02:30 UTC) and the
hours either side: the middle run reads everything and brings in the DueDate the activity moved
without a new UpdatedDateUTC, which no incremental read can see. (The intervals used to be the
last three hours, so a run early on a Sunday met the reconciliation by chance and failed.)

Airflow's metadata database is PostgreSQL here: with SQLite, a scheduler creating backfill runs
meets "database is locked" (apache/airflow#66726).

The backfill is created only once the API server answers on its execution API. ``standalone``
starts every component at once, its "Airflow is ready" does not wait for the API server, and the
DAG is already in the metadata database (``dag.test()`` put it there), so the scheduler can queue
tasks before the API server listens. A task's supervisor then gives up after the execution API
client's retries (``[workers] execution_api_retries``: 5 attempts, 4-15 s), SIGKILLs the task
process, which has logged only "Pre Execute", and the task waits out its 2-minute retry delay.
The compose deployment avoids the same race by starting the scheduler only when the API server
is healthy. ``standalone``'s own output is kept in ``$AIRFLOW_HOME/standalone.log``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.fernet import Fernet

from tests.auth.conftest import postgres_available
from tests.e2e.support import BIN, PG, ROOT, Deployment, _pg_admin, deployment
from xero_sandbox.generator import ms_of
from xero_sandbox.server import Sandbox
from xero_sandbox.state import SandboxConfig
from xero_sync.client import format_if_modified_since
from xero_sync.mapping import ObjectMapping, load_mapping
from xero_sync.tasks import reconcile_due

DAG_ID = "xero__invoices"
INVOICES_PATH = "/api.xro/2.0/Invoices"
# Per organisation, the invoices the activity changed without a new UpdatedDateUTC (a DueDate
# moved, as Xero does): only a run that reconciles reads them again.
SILENT_INVOICES: dict[str, set[str]] = {}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _airflow_json(deployed: Deployment, *args: str) -> Any:
    result = subprocess.run([str(BIN / "airflow"), *args, "-o", "json"], env=deployed.env,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    for line in result.stdout.splitlines():  # the JSON line, among Airflow's log lines
        if line.startswith(("[{", "[]")):
            return json.loads(line)
    return []


def _wait(condition: Any, timeout: float, what: str, every: float = 3) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.RequestException:
        return False


def _warehouse(deployed: Deployment, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    import sqlite3

    with sqlite3.connect(deployed.warehouse_location) as db:
        return list(db.execute(sql, params))


def _sandbox_requests(sandbox_url: str) -> tuple[int, list[dict[str, Any]]]:
    """The sandbox's request log: how many requests it has seen in all, and the kept ones."""
    logged = requests.get(f"{sandbox_url}/_sandbox/requests", timeout=30).json()
    return logged["dropped"] + len(logged["requests"]), logged["requests"]


def _last_reconciliation_hour(mapping: ObjectMapping, now: datetime) -> datetime:
    """The start of the latest hour holding the mapping's reconciliation whose next hour has
    ended too (a backfill can only run intervals that are over)."""
    from croniter import croniter

    assert mapping.reconcile_schedule, mapping.name
    moment = croniter(mapping.reconcile_schedule, now - timedelta(hours=2)).get_prev(datetime)
    return moment.replace(minute=0, second=0, microsecond=0)


def _silent_invoice_ids() -> list[str]:
    silent = sorted(i for ids in SILENT_INVOICES.values() for i in ids)
    assert silent, "the activity made no silent invoice edit"
    return silent


def _stored_due_dates(deployed: Deployment) -> dict[str, str]:
    """The DueDate (YYYY-MM-DD) of each silently edited invoice in the warehouse."""
    silent = _silent_invoice_ids()
    marks = ",".join("?" * len(silent))
    rows = _warehouse(deployed, f"SELECT invoice_id, due_date FROM xero_invoices "  # noqa: S608
                                f"WHERE invoice_id IN ({marks})", *silent)
    return {str(key).lower(): str(due)[:10] for key, due in rows}


def _xero_due_dates(deployed: Deployment) -> dict[str, str]:
    """The DueDate (YYYY-MM-DD) of each silently edited invoice in the sandbox (Xero)."""
    silent = _silent_invoice_ids()
    truth = requests.get(f"{deployed.env['XERO_SANDBOX_URL']}/_sandbox/truth",
                         params={"object": "Invoices"}, timeout=60).json()
    return {record["InvoiceID"].lower(): datetime.fromtimestamp(
                ms_of(record["DueDate"]) / 1000, UTC).date().isoformat()
            for records in truth.values() for record in records
            if record["InvoiceID"] in silent}


def _interval_starts(deployed: Deployment, run_ids: list[str]) -> dict[str, datetime]:
    """Each run's data_interval_start, from Airflow's metadata database."""
    import psycopg

    metadata = deployed.env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].rsplit("/", 1)[1]
    with psycopg.connect(**PG, dbname=metadata) as db:  # type: ignore[arg-type]
        rows = db.execute("SELECT run_id, data_interval_start FROM dag_run WHERE dag_id = %s "
                          "AND run_id = ANY(%s)", (DAG_ID, run_ids)).fetchall()
    assert len(rows) == len(run_ids), rows
    return {run_id: start for run_id, start in rows}


@pytest.fixture(scope="module")
def scheduled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """Two synced organisations, then Airflow running as a service on PostgreSQL."""
    if not postgres_available():
        pytest.skip("PostgreSQL at 127.0.0.1:5432 is unreachable (REQUIRE_POSTGRES=1 fails)")
    metadata = f"airflow_bf_{uuid.uuid4().hex[:10]}"
    _pg_admin(f'CREATE DATABASE "{metadata}"')
    home = tmp_path_factory.mktemp("backfill")
    with Sandbox(SandboxConfig(seed=33, tenants=2, scale=100, auto_consent=True)) as sandbox:
        deployed = deployment(home, sandbox, "sqlite", Fernet.generate_key().decode())
        port = _free_port()
        execution_api = f"http://localhost:{port}/execution/"
        deployed.env.update({
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN":
                f"postgresql+psycopg://postgres@127.0.0.1:5432/{metadata}",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC":
                f"postgresql+psycopg_async://postgres@127.0.0.1:5432/{metadata}",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": execution_api,
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(Path(deployed.env["PYTHONPATH"].split(
                os.pathsep)[0])),
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        })
        deployed.airflow("db", "migrate")
        deployed.airflow("pools", "set", "xero_api", "5", "Xero's concurrent limit")
        deployed.authorize()

        def activity() -> None:
            reply = requests.post(f"{sandbox.url}/_sandbox/activity", json={"intensity": 5},
                                  timeout=60)
            reply.raise_for_status()
            for tenant, report in reply.json().items():
                SILENT_INVOICES.setdefault(tenant, set()).update(
                    report["silent"].get("Invoices", []))

        deployed.run_dags(only=[DAG_ID], between=activity)  # two rounds, one Airflow start-up
        log = Path(deployed.env["AIRFLOW_HOME"]) / "standalone.log"
        with log.open("wb") as output:
            service = subprocess.Popen([str(BIN / "airflow"), "standalone"], env=deployed.env,
                                       stdout=output, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        deployed.env["XERO_SANDBOX_URL"] = sandbox.url  # for the test; Airflow ignores it
        try:
            _wait(lambda: _answers(f"{execution_api}health"), 180,
                  f"the execution API (standalone's output: {log})", every=0.5)
            yield deployed
        finally:
            _stop_group(service)
            _pg_admin(f'DROP DATABASE IF EXISTS "{metadata}" WITH (FORCE)')


def _stop_group(service: subprocess.Popen[bytes]) -> None:
    """Stop standalone and everything it started. Standalone can exit on SIGTERM while the
    scheduler it started is still shutting down; that scheduler was left running for the
    rest of the suite. Standalone has had its chance to stop its children gracefully once it
    has exited, so whatever of the group is left is killed."""
    os.killpg(service.pid, signal.SIGTERM)
    try:
        service.wait(timeout=60)
    except subprocess.TimeoutExpired:
        service.kill()
        service.wait(timeout=30)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(service.pid, signal.SIGKILL)


def test_backfill_of_three_intervals_completes_idempotently(scheduled: Deployment) -> None:
    rows_before = _warehouse(scheduled, "SELECT COUNT(*) FROM xero_invoices")[0][0]
    state_before = dict(_warehouse(
        scheduled, "SELECT tenant_id, watermark_ts FROM xero__sync_state WHERE object = ?",
        "invoices"))
    _wait(lambda: any(d["dag_id"] == DAG_ID for d in _airflow_json(scheduled, "dags", "list")),
          180, "Airflow to list the DAG")
    seen_before, _ = _sandbox_requests(scheduled.env["XERO_SANDBOX_URL"])
    # The hour holding the last weekly reconciliation and the hours either side of it: every
    # run of the test meets both kinds of backfill run (before, it depended on the clock).
    mapping = load_mapping(ROOT / "include" / "mappings" / "invoices.yaml")
    reconciled_hour = _last_reconciliation_hour(mapping, datetime.now(UTC))
    scheduled.airflow("backfill", "create", "--dag-id", DAG_ID,
                      "--from-date", (reconciled_hour - timedelta(hours=1)).isoformat(),
                      "--to-date", (reconciled_hour + timedelta(hours=1)).isoformat())
    # Backfills of a paused DAG stay queued, so the DAG is unpaused once the backfill exists.
    scheduled.airflow("dags", "unpause", DAG_ID)

    def backfill_runs() -> list[dict[str, Any]]:
        runs = [r for r in _airflow_json(scheduled, "dags", "list-runs", DAG_ID)
                if r["run_id"].startswith("backfill__")]
        done = len(runs) == 3 and all(r["state"] in ("success", "failed") for r in runs)
        return runs if done else []

    log = Path(scheduled.env["AIRFLOW_HOME"]) / "standalone.log"
    runs = _wait(backfill_runs, 300, f"three backfill runs to finish (see {log})")
    assert [r["state"] for r in runs] == ["success"] * 3, runs

    assert _warehouse(scheduled, "SELECT COUNT(*) FROM xero_invoices")[0][0] == rows_before
    state_after = dict(_warehouse(
        scheduled, "SELECT tenant_id, watermark_ts FROM xero__sync_state WHERE object = ?",
        "invoices"))
    for tenant, before in state_before.items():
        assert state_after[tenant] >= before  # never moved back
    run_ids = [r["run_id"] for r in runs]
    # The run whose interval holds the weekly reconciliation reads everything, without
    # If-Modified-Since; the others ask for what changed since their interval's start.
    starts = _interval_starts(scheduled, run_ids)
    reconciling = {run_id for run_id, start in starts.items()
                   if reconcile_due(mapping, start, start + timedelta(hours=1))}
    assert len(reconciling) == 1, starts
    marks = ",".join("?" * len(run_ids))
    synced = _warehouse(
        scheduled, "SELECT run_id, tenant_id, inserted, updated, unchanged "  # noqa: S608
        f'FROM "xero__sync_runs" WHERE run_id IN ({marks}) AND status = ?',
        *run_ids, "success")
    assert len(synced) == 6  # three intervals, two organisations
    for run_id, tenant, inserted, updated, _ in synced:
        assert inserted == 0, (run_id, tenant)  # re-merged: nothing new
        if run_id in reconciling:
            # Reading everything finds the silent edits the incremental rounds could not see
            # (none if the second round had itself reconciled them).
            assert updated <= len(SILENT_INVOICES.get(tenant, ())), (run_id, tenant, updated)
        else:
            assert updated == 0, (run_id, tenant)  # nothing overwritten
    assert sum(row[4] for row in synced) > 0  # the backfill did re-read its intervals' changes
    assert _stored_due_dates(scheduled) == _xero_due_dates(scheduled)

    # What a backfill must do: ask Xero for what changed since each interval's start (not since
    # the watermark, as a scheduled run does).
    expected = {format_if_modified_since(start)
                for run_id, start in starts.items() if run_id not in reconciling}
    seen_after, logged = _sandbox_requests(scheduled.env["XERO_SANDBOX_URL"])
    since_backfill = logged[max(0, len(logged) - (seen_after - seen_before)):]
    for tenant in state_before:
        asked = {r["if_modified_since"] for r in since_backfill
                 if r["path"] == INVOICES_PATH and r["tenant"] == tenant}
        assert expected <= asked, (tenant, sorted(asked))
