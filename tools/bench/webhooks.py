"""Section ``webhooks`` of ``make bench``: how long a change in Xero takes to reach the
warehouse by the webhook path, under a real Airflow scheduler, and what it costs in API calls.

    PYTHONPATH=plugins:tools .venv/bin/python -m bench --only webhooks

The demo's setup, run as a service: the sandbox (two organisations), a SQLite warehouse, our
receiver as its own process (``python -m xero_sync.webhooks serve``), and ``airflow
standalone`` (API server, scheduler, DAG processor, triggerer; PostgreSQL metadata when
127.0.0.1:5432 answers, else SQLite). The contacts, invoices and credit notes DAGs are loaded
once (``dag.test``) and unpaused; then ``--webhook-changes`` distinct records are edited in the
sandbox, one every ``--webhook-seconds / changes`` seconds, and the warehouse is polled every
0.25 s until each row holds its new value. Latency = that moment minus the moment before the
edit was sent: the sandbox batching its webhooks (1 s), the receiver, the trigger's poll (2 s),
the scheduler creating the run, its two tasks starting, the read by id and the load.

API calls: the sandbox's count of calls to Invoices, Contacts and CreditNotes while the
changes were made and read, per changed record; against the calls one incremental run of the
three objects per organisation (what the hourly schedule does) makes to read the same changes
afterwards. Webhooks buy latency with calls: reading by id costs a call per run and
organisation, the hourly run one call per 1,000 changed records.
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import requests

import webhooks_live
from airflow_cluster import authorize_headless
from bench.common import ROOT, postgres_available, start_sandbox, table

DAGS = ("xero__invoices", "xero__contacts", "xero__credit_notes")
COLLECTIONS = {"Invoices": 0.6, "Contacts": 0.25, "CreditNotes": 0.15}  # share of the edits
BIN = Path(sys.executable).parent
HOW_TO_READ = ("latency = seconds from the edit in the sandbox to the row in the warehouse "
               "(goal: p95 <= 60 s); runs = asset-triggered DAG runs, fewer than changes when "
               "changes close together share a run; calls per changed record: the webhook path "
               "(read by id, 50 a call, one call per run and organisation) against one hourly "
               "incremental run reading the same changes (1,000 a call)")


def run(changes: int = 120, seconds: float = 240.0, scale: int = 1000,
        tenants: int = 2) -> dict[str, Any]:
    """Set up, measure, tear down; the report."""
    home = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
    database = None  # Airflow's metadata: PostgreSQL when it answers, else SQLite
    if postgres_available() is None:
        database = f"bench_webhooks_{uuid.uuid4().hex[:8]}"
        _pg(f'CREATE DATABASE "{database}"')
    sandbox = start_sandbox(scale, tenants)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        env = _airflow_env(home, sandbox.url, database)
        return _measure(env, home, sandbox, processes, changes, seconds)
    finally:
        for process in reversed(processes):
            _stop(process)
        sandbox.stop()
        if database:
            _pg(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        shutil.rmtree(home, ignore_errors=True)


def _measure(env: dict[str, str], home: Path, sandbox: Any,
             processes: list[subprocess.Popen[bytes]], count: int,
             seconds: float) -> dict[str, Any]:
    warehouse = home / "warehouse.db"
    _airflow(env, "db", "migrate")
    _airflow(env, "pools", "set", "xero_api", "5", "Xero's concurrent limit")
    authorize_headless(env)
    _print("first load of the three objects (dag.test) ...")
    _run_dags(env)
    port = _free_port()
    processes.append(webhooks_live.start_receiver(env, port, home / "receiver.log"))
    webhooks_live.subscribe(sandbox.url, webhooks_live.receiver_url(port))
    _print("starting airflow standalone (scheduler, triggerer, DAG processor, API server) ...")
    processes.append(_standalone(env, home))
    for dag_id in DAGS:
        _airflow(env, "dags", "unpause", dag_id)
    _wait_idle(env, home, 600)  # the run each unpaused DAG gets for its latest interval
    tenants = list(sandbox.state.tenant_names)
    plan = _plan(sandbox, tenants, count)
    calls_before = _calls(sandbox)
    runs_before = _runs(env, home)
    _print(f"{count} changes over {seconds:.0f} s, then waiting for every row ...")
    made = _make_changes(sandbox.url, warehouse, plan, seconds / count)
    webhooks_live.wait_until_landed(warehouse, made, timeout=600)
    webhook_calls = _calls(sandbox) - calls_before
    runs = [r for r in _runs(env, home) if r not in runs_before]
    _stop(processes.pop())  # standalone: the hourly run below is compared alone
    calls_before = _calls(sandbox)
    _print("one incremental run of the three objects, reading the same changes ...")
    _run_dags(env)
    hourly_calls = _calls(sandbox) - calls_before
    return _report(made, runs, webhook_calls, hourly_calls, count, seconds)


def _report(made: list[webhooks_live.Change], runs: list[tuple[str, str, str]],
            webhook_calls: int, hourly_calls: int, count: int,
            seconds: float) -> dict[str, Any]:
    latencies = sorted(c.latency for c in made if c.latency is not None)
    records = len({(c.tenant, c.record_id) for c in made})
    asset_runs = [r for r in runs if r[1] == "asset_triggered"]
    return {
        "changes": count, "spread_seconds": seconds, "landed": len(latencies),
        "not_landed": len(made) - len(latencies),
        "latency_seconds": {"p50": _percentile(latencies, 50),
                            "p95": _percentile(latencies, 95),
                            "max": round(latencies[-1], 1) if latencies else None,
                            "min": round(latencies[0], 1) if latencies else None},
        "goal_p95_seconds": 60,
        "dag_runs": {"asset_triggered": len(asset_runs),
                     "scheduled_or_other": len(runs) - len(asset_runs),
                     "failed": sum(1 for r in runs if r[2] == "failed")},
        "calls": {"webhook_path": webhook_calls, "hourly_incremental": hourly_calls,
                  "changed_records": records,
                  "webhook_per_record": round(webhook_calls / records, 3) if records else None,
                  "hourly_per_record": round(hourly_calls / records, 3) if records else None},
    }


def render(report: dict[str, Any]) -> str:
    """Latency, runs and calls as a table."""
    latency, calls, runs = report["latency_seconds"], report["calls"], report["dag_runs"]
    rows = [
        ["changes made / landed", f"{report['changes']} / {report['landed']}"],
        ["latency p50 (s)", latency["p50"]], ["latency p95 (s)", latency["p95"]],
        ["latency min / max (s)", f"{latency['min']} / {latency['max']}"],
        ["asset-triggered runs (other runs)",
         f"{runs['asset_triggered']} ({runs['scheduled_or_other']}), {runs['failed']} failed"],
        ["API calls, webhook path", calls["webhook_path"]],
        ["API calls, one hourly incremental run", calls["hourly_incremental"]],
        ["calls per changed record: webhooks / hourly",
         f"{calls['webhook_per_record']} / {calls['hourly_per_record']}"],
    ]
    verdict = ("p95 within the 60 s goal" if (latency["p95"] or 1e9) <= 60
               else "p95 OVER the 60 s goal")
    return table(["measure", "value"], rows) + f"\n{verdict}"


# -- the pieces --------------------------------------------------------------------------------

def _airflow_env(home: Path, sandbox_url: str, database: str | None) -> dict[str, str]:
    from cryptography.fernet import Fernet

    port = _free_port()
    xero = {"conn_type": "xero", "login": "sandbox-client-id",
            "password": "sandbox-client-secret",
            "extra": {"api_url": sandbox_url, "identity_url": sandbox_url,
                      "login_url": sandbox_url}}
    metadata = (f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}" if database
                else f"sqlite:///{home / 'airflow.db'}")
    env = dict(os.environ)
    env.update({
        "AIRFLOW_HOME": str(home / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata,
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://localhost:{port}/execution/",
        "AIRFLOW_CONN_XERO_DEFAULT": json.dumps(xero),
        "AIRFLOW_CONN_XERO_WAREHOUSE": json.dumps({"conn_type": "sqlite",
                                                   "host": str(home / "warehouse.db")}),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "plugins"), str(ROOT / "tools")]),
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    })
    if database:
        env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC"] = (
            f"postgresql+psycopg_async://postgres@127.0.0.1:5432/{database}")
    env.pop("XERO_SYNC_FERNET_KEY", None)
    return env


def _airflow(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([str(BIN / "airflow"), *args], env=env, capture_output=True,  # noqa: S603
                          text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"airflow {' '.join(args)} failed: {done.stderr[-2000:]}")
    return done.stdout


def _run_dags(env: dict[str, str]) -> None:
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "demo_run_dags.py"),  # noqa: S603
                           "--only", *DAGS], env=env, capture_output=True, text=True,
                          check=False)
    runs = [json.loads(line[5:]) for line in done.stdout.splitlines()
            if line.startswith("DEMO {")]
    if done.returncode != 0 or len(runs) != len(DAGS) or any(
            r["state"] != "success" for r in runs):
        raise RuntimeError(f"dag.test runs failed: {done.stdout[-3000:]}{done.stderr[-2000:]}")


def _standalone(env: dict[str, str], home: Path) -> subprocess.Popen[bytes]:
    log = home / "standalone.log"
    with log.open("wb") as output:
        process = subprocess.Popen([str(BIN / "airflow"), "standalone"], env=env,  # noqa: S603
                                   stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    health = env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] + "health"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if requests.get(health, timeout=5).status_code == 200:
                return process
        except requests.RequestException:
            pass
        if process.poll() is not None:
            break
        time.sleep(1)
    _stop(process)
    raise RuntimeError(f"airflow standalone did not start; see {log}")


def _runs(env: dict[str, str], home: Path) -> list[tuple[str, str, str]]:
    """(run_id, run_type, state) of the three DAGs' runs, from the metadata database."""
    sql = ("SELECT run_id, run_type, state FROM dag_run WHERE dag_id IN "
           "('xero__invoices', 'xero__contacts', 'xero__credit_notes')")
    url = env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30) as db:
            return [tuple(map(str, row)) for row in db.execute(sql)]  # type: ignore[misc]
    import psycopg

    with psycopg.connect(host="127.0.0.1", user="postgres", dbname=url.rsplit("/", 1)[1]) as db:
        return [tuple(map(str, row)) for row in db.execute(sql)]  # type: ignore[misc]


def _wait_idle(env: dict[str, str], home: Path, timeout: float) -> None:
    """Until no run of the three DAGs is queued or running."""
    deadline = time.monotonic() + timeout
    time.sleep(5)
    while time.monotonic() < deadline:
        if not [r for r in _runs(env, home) if r[2] in ("queued", "running")]:
            return
        time.sleep(2)
    raise RuntimeError(f"runs still going after {timeout:.0f} s; see {home}/standalone.log")


def _plan(sandbox: Any, tenants: list[str], count: int) -> list[tuple[str, str, str]]:
    """(tenant, collection, record id): distinct records, collections in their shares."""
    rng = random.Random(42)  # noqa: S311 - which records, not secrets
    pools = {(t, c): [_id(c, r) for r in sandbox.state.truth(t, c)]
             for t in tenants for c in COLLECTIONS}
    for records in pools.values():
        rng.shuffle(records)
    plan = []
    for _ in range(count):
        collection = rng.choices(list(COLLECTIONS), weights=list(COLLECTIONS.values()))[0]
        tenant = rng.choice(tenants)
        plan.append((tenant, collection, pools[(tenant, collection)].pop()))
    return plan


def _id(collection: str, record: dict[str, Any]) -> str:
    field = {"Invoices": "InvoiceID", "Contacts": "ContactID", "CreditNotes": "CreditNoteID"}
    return str(record[field[collection]])


def _make_changes(sandbox_url: str, warehouse: Path, plan: list[tuple[str, str, str]],
                  interval: float) -> list[webhooks_live.Change]:
    made: list[webhooks_live.Change] = []
    started = time.monotonic()
    for index, (tenant, collection, record_id) in enumerate(plan):
        made.append(webhooks_live.edit(sandbox_url, tenant, collection, record_id))
        while time.monotonic() < started + (index + 1) * interval:
            webhooks_live.landed(warehouse, made)
            time.sleep(0.25)
    return made


def _calls(sandbox: Any) -> int:
    """Calls the sandbox counted to the three objects' endpoints, all organisations."""
    calls = sandbox.state.stats.as_json()["calls"]
    return sum(count for endpoints in calls.values() for name, count in endpoints.items()
               if name in COLLECTIONS)


def _percentile(values: list[float], percent: float) -> float | None:
    """Nearest rank: the smallest value at least ``percent`` % of the values do not exceed."""
    if not values:
        return None
    rank = max(1, math.ceil(percent / 100 * len(values)))
    return round(values[rank - 1], 1)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        process.terminate()
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            process.kill()
        process.wait(timeout=30)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _pg(statement: str) -> None:
    import psycopg

    with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres",
                         autocommit=True) as db:
        db.execute(statement)  # type: ignore[arg-type]


def _print(text: str) -> None:
    print(f"  webhooks: {text}", flush=True)
