"""``make demo``: the whole product against the built-in Xero sandbox, into a local SQLite
warehouse, with no credentials and no servers.

``make demo WAREHOUSE=mssql`` (``--warehouse mssql``) does the same into SQL Server: the
database ``xero_demo`` (created afresh) on the server of ``XERO_SYNC_TEST_MSSQL`` (Babelfish
here: ``../shared/babelfish/babelfish-start`` prints it), through the ``mssql`` connection type
and the MSSQL provider, as in production; it ends with how to query it with sqlcmd or Python.

1. starts the sandbox (two organisations) and a fresh Airflow home under var/demo/;
2. migrates Airflow's metadata database, creates the ``xero_api`` pool and the connections;
3. runs the ``authorize`` command headless (the sandbox consents on the user's behalf);
4. runs every DAG once and prints rows per table and API calls used;
5. makes the organisations change as their users would, runs every DAG again and prints what
   the incremental runs picked up;
6. ends with the data: the warehouse's real table names, the command that opens it, example
   queries (``demo_queries``) and where the sync history is; then a trial balance and a P&L
   from the reporting layer beside Xero's Reports API (``demo_reports``).

It also writes ``var/demo/env.sh``: sourced in a shell, Airflow's CLI and
``python -m xero_sync.auth`` see the demo's home and connections.

``python tools/demo.py --ui`` starts the sandbox, connects the app to it again (a restarted
sandbox has forgotten the tokens the demo stored) and ``airflow standalone`` on the same home,
so the DAGs, runs and logs of the demo can be browsed at http://localhost:8080.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from demo_queries import script
from demo_reports import fetch_xero, print_side_by_side
from xero_sync.scopes import EVERY_OBJECT

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "var" / "demo"
WAREHOUSE = DEMO / "warehouse.db"
AIRFLOW_HOME = DEMO / "airflow"
ENV_FILE = DEMO / "env.sh"
SANDBOX_PORT = 8765
UI_URL = "http://localhost:8080"
UI_LOG = AIRFLOW_HOME / "standalone.log"
UI_START_TIMEOUT = 600  # seconds for `airflow standalone` to be healthy on a busy machine
# The UI's Airflow runs a handful of tasks at once (the pool xero_api has 5 slots), so it needs
# a handful of LocalExecutor workers, not the default 32 idle processes.
UI_SETTINGS = {"AIRFLOW__CORE__PARALLELISM": "5",
               "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1"}
BIN = Path(sys.executable).parent
MSSQL_DATABASE = "xero_demo"
MSSQL: Any = None  # the demo's SQL Server (a WarehouseTarget) with --warehouse mssql


def main() -> int:
    """Run the demo (or, with --ui, serve it)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ui", action="store_true", help="serve the demo's Airflow UI")
    parser.add_argument("--scale", type=int, default=1000, help="invoices per organisation")
    parser.add_argument("--warehouse", choices=("sqlite", "mssql"), default="sqlite",
                        help="mssql: the database xero_demo on XERO_SYNC_TEST_MSSQL's server")
    args = parser.parse_args()
    if args.ui:
        return serve_ui()
    started = time.monotonic()
    if DEMO.exists():
        shutil.rmtree(DEMO)
    DEMO.mkdir(parents=True)
    global MSSQL  # the demo's one warehouse, read by the report functions
    MSSQL = fresh_mssql_database() if args.warehouse == "mssql" else None
    env = demo_env(None if MSSQL is None else mssql_connection(MSSQL))
    write_env_file(env)
    sandbox = start_sandbox(env, args.scale)
    try:
        setup_airflow(env)
        authorize(env)
        first, second = run_twice(env)
        report_second(first, second)
        today = datetime.now(UTC).date()
        xero = fetch_xero(f"http://127.0.0.1:{SANDBOX_PORT}", today,
                          (today.replace(day=1) - timedelta(days=330)).replace(day=1))
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=30)
    if MSSQL is None:
        show_data(WAREHOUSE)
        print_side_by_side(WAREHOUSE, xero)
    else:
        show_mssql_data(MSSQL)
    print(f"\nBrowse the demo in Airflow's UI: make demo-ui   (then {UI_URL})")
    print(f"Airflow's CLI and `python -m xero_sync.auth` on the demo: source {_shown(ENV_FILE)}")
    print(f"Demo wall time: {time.monotonic() - started:.0f} s")
    return 0


def demo_env(warehouse: dict[str, Any] | None = None) -> dict[str, str]:
    """Everything Airflow and the package need, pointed at var/demo and the sandbox (and at
    the ``warehouse`` connection when given, else the SQLite file)."""
    key_file = DEMO / "fernet.key"
    if not key_file.exists():
        from cryptography.fernet import Fernet

        key_file.write_text(Fernet.generate_key().decode())
    sandbox = f"http://127.0.0.1:{SANDBOX_PORT}"
    xero = {"conn_type": "xero", "login": "sandbox-client-id",
            "password": "sandbox-client-secret",
            "extra": {"api_url": sandbox, "identity_url": sandbox, "login_url": sandbox,
                      "scopes": " ".join(EVERY_OBJECT)}}
    env = dict(os.environ)
    env.update({
        "AIRFLOW_HOME": str(AIRFLOW_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__FERNET_KEY": key_file.read_text().strip(),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{AIRFLOW_HOME / 'airflow.db'}",
        "AIRFLOW_CONN_XERO_DEFAULT": json.dumps(xero),
        "AIRFLOW_CONN_XERO_WAREHOUSE": json.dumps(
            warehouse or {"conn_type": "sqlite", "host": str(WAREHOUSE)}),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "plugins"), str(ROOT / "tools")]),
    })
    return env


def write_env_file(env: dict[str, str]) -> None:
    """``var/demo/env.sh``: the demo's settings for a shell (the CLI then finds xero_default)."""
    names = sorted(name for name in env if name.startswith("AIRFLOW") or name == "PYTHONPATH")
    lines = ["# source this file to use Airflow's CLI and xero_sync's commands on the demo",
             *(f"export {name}={shlex.quote(env[name])}" for name in names),
             f'export PATH={shlex.quote(str(BIN))}:"$PATH"']
    ENV_FILE.write_text("\n".join(lines) + "\n", encoding="utf-8")


def require_free_port(port: int, likely: str) -> None:
    """Refuse to start beside something already listening on the port."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(f"port {port} is in use: stop whatever listens there ({likely}) "
                             "and run the demo again")


def start_sandbox(env: dict[str, str], scale: int) -> subprocess.Popen[bytes]:
    """The sandbox on its port, once its organisations are built."""
    require_free_port(SANDBOX_PORT, "an earlier sandbox?")
    command = [sys.executable, "-m", "xero_sandbox", "--port", str(SANDBOX_PORT), "--seed",
               "42", "--tenants", "2", "--scale", str(scale), "--auto-consent"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE)  # noqa: S603
    assert process.stdout is not None
    print(process.stdout.readline().decode().strip(), flush=True)
    return process


def airflow(env: dict[str, str], *args: str) -> None:
    """Run an airflow CLI command quietly; show its output only when it fails."""
    result = subprocess.run([str(BIN / "airflow"), *args], env=env, capture_output=True,  # noqa: S603
                            text=True, check=False)
    if result.returncode != 0:
        print(result.stdout[-3000:], result.stderr[-3000:], sep="\n")
        raise SystemExit(f"airflow {' '.join(args)} failed")


def setup_airflow(env: dict[str, str]) -> None:
    """Metadata database and the pool that keeps Xero's 5-in-flight limit."""
    print("Setting up Airflow in var/demo/airflow ...", flush=True)
    airflow(env, "db", "migrate")
    airflow(env, "pools", "set", "xero_api", "5", "Xero allows 5 calls in flight per org")


def authorize(env: dict[str, str]) -> None:
    """The one step a person does, run headless: the sandbox consents automatically."""
    command = [sys.executable, "-m", "xero_sync.auth", "authorize", "--no-browser"]
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE,  # noqa: S603
                          stderr=subprocess.STDOUT, text=True) as process:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("http"):
                requests.get(line.strip(), timeout=30)  # follows the redirect to the callback
                break
        output = process.stdout.read()
        if process.wait(timeout=60) != 0:
            print(output)
            raise SystemExit("the authorize command failed")
    print("Authorized the sandbox app: tokens stored, encrypted, in the warehouse.", flush=True)


def run_twice(env: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Every DAG once, the organisations change, every DAG again: one Airflow process."""
    print("\nRunning every DAG (first run) ...", flush=True)
    runner = [sys.executable, str(ROOT / "tools" / "demo_run_dags.py"), "--pause"]
    rounds: dict[int, dict[str, Any]] = {}
    calls = admin("GET", "stats")["calls"]
    lines: list[str] = []
    with subprocess.Popen(runner, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,  # noqa: S603
                          stderr=subprocess.STDOUT, text=True) as process:
        assert process.stdout is not None
        assert process.stdin is not None
        for line in process.stdout:
            lines.append(line)
            if line.startswith("DEMO-PAUSE"):
                rounds[1], calls = _round(lines, calls, 1)
                report_first(rounds[1])
                changes = admin("POST", "activity", json={"intensity": 10})
                print(f"\nThe organisations changed: {describe_activity(changes)}.")
                print("\nRunning every DAG again (incremental run) ...", flush=True)
                process.stdin.write("go\n")
                process.stdin.flush()
        code = process.wait()
    if code != 0 or 1 not in rounds:
        print("".join(lines[-100:]))
        raise SystemExit("the DAG runner failed")
    rounds[2], _ = _round(lines, calls, 2)
    return rounds[1], rounds[2]


def _round(lines: list[str], calls_before: dict[str, dict[str, int]],
           number: int) -> tuple[dict[str, Any], dict[str, dict[str, int]]]:
    """The figures of one round, from the runner's lines, the sandbox and the warehouse."""
    runs = [r for r in (json.loads(line[5:]) for line in lines if line.startswith("DEMO {"))
            if r["round"] == number]
    failed = [r["dag_id"] for r in runs if r["state"] != "success"]
    if failed or not runs:
        print("".join(lines[-100:]))
        raise SystemExit(f"DAG runs failed: {failed or 'none ran'}")
    calls_now = admin("GET", "stats")["calls"]
    figures = {"runs": runs, "calls": _calls_since(calls_before, calls_now),
               "tables": table_counts(), "synced": synced_counts([r["run_id"] for r in runs])}
    return figures, calls_now


def admin(method: str, name: str, **kwargs: Any) -> Any:
    """The sandbox's admin API."""
    reply = requests.request(method, f"http://127.0.0.1:{SANDBOX_PORT}/_sandbox/{name}",
                             timeout=60, **kwargs)
    reply.raise_for_status()
    return reply.json()


def _calls_since(before: dict[str, dict[str, int]],
                 after: dict[str, dict[str, int]]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for tenant, endpoints in after.items():
        for endpoint, count in endpoints.items():
            used = count - before.get(tenant, {}).get(endpoint, 0)
            totals[endpoint] = totals.get(endpoint, 0) + used
    return totals


def table_counts() -> dict[str, tuple[int, int]]:
    """Rows and rows marked deleted, per warehouse table (by its name in the SQLite file, or
    as schema.table on SQL Server)."""
    if MSSQL is not None:
        return mssql_table_counts(MSSQL)
    import sqlite3

    with sqlite3.connect(WAREHOUSE) as db:
        names = [row[0] for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'xero\\_%' "
            "ESCAPE '\\' AND name NOT LIKE 'xero\\_\\_%' ESCAPE '\\' ORDER BY name")]
        counts = {}
        for name in names:
            columns = {row[1] for row in db.execute(f'PRAGMA table_info("{name}")')}
            deleted = "SUM(is_deleted)" if "is_deleted" in columns else "0"
            total, gone = db.execute(f'SELECT COUNT(*), {deleted} FROM "{name}"').fetchone()  # noqa: S608
            counts[name] = (total, gone or 0)
    return counts


def synced_counts(run_ids: list[str]) -> dict[str, dict[str, int]]:
    """Per object: rows inserted, updated and deleted by these runs (from _sync_runs)."""
    if MSSQL is not None:
        marks = ", ".join(["%s"] * len(run_ids))
        rows = mssql_rows(MSSQL, "SELECT [object], SUM([inserted]), SUM([updated]), "  # noqa: S608 - placeholders only
                          "SUM([deleted]), SUM([calls]) FROM [xero].[_sync_runs] "
                          f"WHERE [run_id] IN ({marks}) GROUP BY [object]", tuple(run_ids))
        return {r[0]: {"inserted": r[1], "updated": r[2], "deleted": r[3], "calls": r[4]}
                for r in rows}
    import sqlite3

    marks = ",".join("?" * len(run_ids))
    with sqlite3.connect(WAREHOUSE) as db:
        rows = db.execute(
            "SELECT object, SUM(inserted), SUM(updated), SUM(deleted), SUM(calls) "  # noqa: S608
            f'FROM "xero__sync_runs" WHERE run_id IN ({marks}) GROUP BY object', run_ids)
        return {r[0]: {"inserted": r[1], "updated": r[2], "deleted": r[3], "calls": r[4]}
                for r in rows}


def describe_activity(changes: dict[str, Any]) -> str:
    """One line: what the simulated users did across the organisations."""
    totals: dict[str, int] = {}
    for report in changes.values():
        for kind in ("created", "updated", "hard_deleted"):
            for key, ids in report[kind].items():
                totals[f"{kind.replace('_', ' ')} {key}"] = totals.get(
                    f"{kind.replace('_', ' ')} {key}", 0) + len(ids)
    return ", ".join(f"{count} {what}" for what, count in sorted(totals.items()))


def report_first(first: dict[str, Any]) -> None:
    """Rows per table and calls per object after the first run."""
    where = "table (in the SQLite file)" if MSSQL is None else f"table (in {MSSQL_DATABASE})"
    print(f"\n{where:<42}{'rows':>8}{'deleted':>9}")
    print("-" * 59)
    for table, (rows, deleted) in sorted(first["tables"].items()):
        print(f"{table:<42}{rows:>8}{deleted:>9}")
    total_calls = sum(first["calls"].values())
    print(f"\nXero API calls used by the first run: {total_calls} "
          f"(for {len(first['runs'])} DAGs and 2 organisations)")


def report_second(first: dict[str, Any], second: dict[str, Any]) -> None:
    """What the incremental run picked up, and what it cost, object by object."""
    print(f"\n{'object':<24}{'inserted':>10}{'updated':>9}{'deleted':>9}{'calls':>7}"
          f"{'first run calls':>17}")
    print("-" * 76)
    for name, counts in sorted(second["synced"].items()):
        before = first["synced"].get(name, {}).get("calls", 0)
        print(f"{name:<24}{counts['inserted']:>10}{counts['updated']:>9}"
              f"{counts['deleted']:>9}{counts['calls']:>7}{before:>17}")
    print(f"\nIncremental run: {sum(second['calls'].values())} API calls "
          f"(first run: {sum(first['calls'].values())}).")


def _shown(path: Path) -> str:
    """A path as the user should type it: relative to the repository when inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def show_data(warehouse: Path) -> None:
    """Where the data is and how to look at it: the demo's last words."""
    import sqlite3

    shown = _shown(warehouse)
    with sqlite3.connect(warehouse) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    examples = [name for name in ("xero_invoices", "xero_invoice_line_items", "xero_contacts",
                                  "xero_accounts") if name in tables]
    about = (f"The data: {shown} (SQLite). A table of the warehouse schema xero is named "
             f"xero_<table> in this file ({', '.join(examples)} ...: the names above). The "
             "sync history is xero__sync_runs (one row per task run: calls, rows inserted / "
             "updated / deleted, error); the watermarks are in xero__sync_state. Open the file "
             "with the SQLite shell:")
    print(f"""
{textwrap.fill(about, width=92)}

    sqlite3 {shown}

and try (after `.mode box` for a table layout):

{script("sqlite")}""")


# -- SQL Server (--warehouse mssql) -------------------------------------------------------------

def fresh_mssql_database() -> Any:
    """The database xero_demo, dropped and created again, on XERO_SYNC_TEST_MSSQL's server."""
    import pymssql

    from xero_sync.warehouse.dbapi import target_from_uri

    uri = os.environ.get("XERO_SYNC_TEST_MSSQL")
    if not uri:
        raise SystemExit("make demo WAREHOUSE=mssql needs XERO_SYNC_TEST_MSSQL=mssql://user:"
                         "pass@host:1433/db naming a SQL Server; for Babelfish run "
                         "../shared/babelfish/babelfish-start, which prints it")
    server = target_from_uri(uri)
    connection = pymssql.connect(server=server.host, port=str(server.port or 1433),
                                 user=server.user, password=server.password,
                                 database=server.database, autocommit=True)
    try:
        cursor = connection.cursor()
        cursor.execute(f"DROP DATABASE IF EXISTS [{MSSQL_DATABASE}]")
        cursor.execute(f"CREATE DATABASE [{MSSQL_DATABASE}]")
    finally:
        connection.close()
    print(f"SQL Server warehouse: database {MSSQL_DATABASE} on {server.host}:{server.port}",
          flush=True)
    return replace(server, database=MSSQL_DATABASE)


def mssql_connection(target: Any) -> dict[str, Any]:
    """The Airflow connection xero_warehouse of type mssql (the MSSQL provider's)."""
    return {"conn_type": "mssql", "host": target.host, "port": target.port,
            "login": target.user, "password": target.password, "schema": target.database}


def mssql_rows(target: Any, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """One query's rows."""
    from xero_sync.warehouse.dbapi import connect

    connection = connect(target)
    try:
        cursor = connection.cursor()
        cursor.execute(sql, params or None)
        return list(cursor.fetchall())
    finally:
        connection.close()


def mssql_table_counts(target: Any) -> dict[str, tuple[int, int]]:
    """Rows and rows marked deleted per table of the schema xero (control tables left out)."""
    tables = mssql_rows(target, "SELECT t.[name], CASE WHEN EXISTS (SELECT 1 FROM sys.columns "
                        "AS c WHERE c.[object_id] = t.[object_id] AND c.[name] = 'is_deleted') "
                        "THEN 1 ELSE 0 END FROM sys.tables AS t JOIN sys.schemas AS s "
                        "ON s.[schema_id] = t.[schema_id] WHERE s.[name] = 'xero' "
                        "ORDER BY t.[name]")
    counts = {}
    for name, has_deleted in tables:
        if name.startswith("_"):
            continue
        deleted = "SUM(CAST([is_deleted] AS INT))" if has_deleted else "0"
        total, gone = mssql_rows(target, f"SELECT COUNT(*), {deleted} FROM [xero].[{name}]")[0]  # noqa: S608 - catalog names
        counts[f"xero.{name}"] = (int(total), int(gone or 0))
    return counts


def show_mssql_data(target: Any) -> None:
    """Where the data is and how to query it: sqlcmd, or Python through pymssql."""
    about = (f"The data: database {target.database} on {target.host}:{target.port} (SQL "
             "Server; here Babelfish, a T-SQL engine speaking its protocol), schema xero: "
             "xero.invoices, xero.invoice_line_items, xero.contacts ... (the names above). The "
             "sync history is xero._sync_runs (one row per task run: calls, rows inserted / "
             "updated / deleted, error); the watermarks are in xero._sync_state. Query it with "
             "sqlcmd (the password is the one in XERO_SYNC_TEST_MSSQL):")
    count = "SELECT COUNT(*) FROM xero.invoices"
    python = (f"import pymssql; c = pymssql.connect(server='{target.host}', "
              f"port={target.port}, user='{target.user}', password='...', "
              f"database='{target.database}'); cur = c.cursor(); cur.execute('{count}'); "
              "print(cur.fetchall())")
    sqlcmd = (f"sqlcmd -S {target.host},{target.port} -U {target.user} -d {target.database} "  # noqa: S608 - a command shown, not run
              '-Q "SELECT TOP 10 invoice_number, total FROM xero.invoices"')
    lines = [textwrap.fill(about, width=92), "", f"    {sqlcmd}", "",
             "or from Python (pymssql, the MSSQL provider's driver):", "",
             f'    .venv/bin/python -c "{python}"', "", "and try these queries:", "",
             script("tsql")]
    print("\n" + "\n".join(lines))


def serve_ui() -> int:
    """The sandbox, connected again, plus ``airflow standalone`` on the demo's home.

    The sandbox keeps tokens in memory only, so the one ``make demo`` used is gone and the
    tokens stored in the warehouse are refused (``invalid_grant``). Running the headless
    authorize against the new sandbox first stores tokens it knows, whatever state the
    warehouse was left in. Airflow's chatter goes to a log file; the last lines printed are
    the address, the user and the password. Ctrl-C (or SIGTERM) stops everything.
    """
    if not AIRFLOW_HOME.exists():
        raise SystemExit("run `make demo` first: it creates var/demo")
    started = time.monotonic()
    # Ctrl-C or a plain kill stops everything, even when started where SIGINT is ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupted)
    env = {**demo_env(), **UI_SETTINGS}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"  # standalone starts `airflow` jobs
    write_env_file(env)
    require_free_port(int(UI_URL.rsplit(":", 1)[1]), "another Airflow UI?")
    sandbox = start_sandbox(env, 1000)
    receiver = start_webhooks(env)
    try:
        authorize(env)
        print(f"Starting Airflow (its output goes to {_shown(UI_LOG)}) ...", flush=True)
        with UI_LOG.open("ab") as log, subprocess.Popen(  # noqa: S603
                [str(BIN / "airflow"), "standalone"], env=env, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True) as airflow_process:
            try:
                wait_until_healthy(airflow_process)
                print(f"Airflow is ready after {time.monotonic() - started:.0f} s. "
                      f"Ctrl-C stops it and the sandbox.\n"
                      f"Airflow's CLI on the demo: source {_shown(ENV_FILE)}")
                print(ui_login(), flush=True)
                airflow_process.wait()
            except KeyboardInterrupt:
                print("\nStopping Airflow ...", flush=True)
            finally:
                stop(airflow_process)
    finally:
        receiver.terminate()
        sandbox.terminate()
        sandbox.wait(timeout=30)
    return 0


def start_webhooks(env: dict[str, str]) -> subprocess.Popen[bytes]:
    """The webhook receiver, with the sandbox sending it Xero's webhooks (make demo-webhook)."""
    import webhooks_live

    receiver = webhooks_live.start_receiver(env, 8090, DEMO / "webhooks.log")
    webhooks_live.subscribe(f"http://127.0.0.1:{SANDBOX_PORT}", webhooks_live.receiver_url(8090))
    print("Webhooks: the sandbox sends them to the receiver on :8090. Unpause xero__invoices, "
          "then `make demo-webhook` changes an invoice and times it to the warehouse.")
    return receiver


def wait_until_healthy(process: subprocess.Popen[bytes]) -> None:
    """Until the API server answers and the scheduler, DAG processor and triggerer are up."""
    deadline = time.monotonic() + UI_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"airflow standalone stopped (exit {process.returncode}); "
                             f"see {_shown(UI_LOG)}")
        try:
            health = requests.get(f"{UI_URL}/api/v2/monitor/health", timeout=5).json()
        except (requests.RequestException, ValueError):
            health = {}
        components = ("metadatabase", "scheduler", "dag_processor", "triggerer")
        if health and all(health.get(name, {}).get("status") == "healthy"
                          for name in components):
            return
        time.sleep(2)
    raise SystemExit(f"Airflow was not healthy after {UI_START_TIMEOUT} s; see {_shown(UI_LOG)}")


def ui_login() -> str:
    """The address, user and password of the UI (standalone keeps the password in a file)."""
    passwords = AIRFLOW_HOME / "simple_auth_manager_passwords.json.generated"
    users = json.loads(passwords.read_text(encoding="utf-8"))
    user, password = next(iter(users.items()))
    return f"\nAirflow UI: {UI_URL}\nuser:       {user}\npassword:   {password}"


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop every process standalone started: SIGTERM to its process group (each component
    shuts down on it), SIGKILL to whatever is still running a minute later."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _group_alive(process):
        time.sleep(1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _group_alive(process: subprocess.Popen[bytes]) -> bool:
    """Whether standalone or any process it started is still running."""
    process.poll()  # reaps standalone itself once it has exited
    try:
        os.killpg(process.pid, 0)
    except ProcessLookupError:
        return False
    return True


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    raise SystemExit(main())
