"""A real Airflow deployment on this machine, one process per component, as compose runs it.

PostgreSQL metadata (a database of its own), the API server, the scheduler, the DAG processor
and either the LocalExecutor or Celery workers on Redis (127.0.0.1:6379, a database number of
its own); the Xero connection points at a sandbox and the warehouse is a SQLite file. Used by
the Celery test (tests/e2e/test_celery_cluster.py) and ``make bench``'s ``organisations``
section (tools/bench/organisations.py).

Several workers on one host need what compose gives each container for free: a Celery node
name of their own (``--celery-hostname workerN@%h``), a port of their own for the log server
(``[logging] worker_log_server_port``), and, so that a task instance says which worker ran it,
a hostname of their own (``[core] hostname_callable`` = :func:`worker_hostname`, reading
``AIRFLOW_CLUSTER_WORKER``). Their logs land in the one ``AIRFLOW_HOME/logs`` the API server
reads, as compose's shared volume does.

Every process is a child of the caller and is waited for when it stops, so the CPU time of
the whole deployment (task processes included) is the caller's ``RUSAGE_CHILDREN``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
REDIS = "redis://127.0.0.1:6379"
FINISHED = ("success", "failed")


def worker_hostname() -> str:
    """``[core] hostname_callable`` of a cluster's processes: the worker's own name when
    several share this host (``AIRFLOW_CLUSTER_WORKER``), else the host's."""
    return os.environ.get("AIRFLOW_CLUSTER_WORKER") or socket.getfqdn()


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Cluster:
    """A running deployment: its environment, processes and logs."""

    home: Path
    env: dict[str, str]
    database: str
    redis_db: int | None
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def warehouse(self) -> Path:
        """The SQLite warehouse file."""
        return self.home / "warehouse.db"

    def airflow(self, *args: str, extra: dict[str, str] | None = None) -> str:
        """An ``airflow`` CLI command in this deployment; its output, or an error with it."""
        done = subprocess.run([str(BIN / "airflow"), *args], env={**self.env, **(extra or {})},  # noqa: S603
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"airflow {' '.join(args)} failed:\n{done.stdout[-2000:]}"
                               f"{done.stderr[-3000:]}")
        return done.stdout

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows from the metadata database."""
        import psycopg

        with psycopg.connect(**PG, dbname=self.database) as db:  # type: ignore[arg-type]
            return [tuple(row) for row in db.execute(sql, params)]  # type: ignore[arg-type]

    def start(self, name: str, *args: str, extra: dict[str, str] | None = None) -> None:
        """Start a long-running component, its output in ``<home>/<name>.log``."""
        with (self.home / f"{name}.log").open("wb") as log:
            self.processes[name] = subprocess.Popen(  # noqa: S603
                [str(BIN / "airflow"), *args], env={**self.env, **(extra or {})},
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def log_tail(self, name: str, size: int = 3000) -> str:
        """The end of a component's log, for an error message."""
        path = self.home / f"{name}.log"
        return path.read_text(errors="replace")[-size:] if path.exists() else ""

    def check_alive(self) -> None:
        """Fail, with its log, if a component has exited."""
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited ({process.returncode}):\n{self.log_tail(name)}")

    def stop(self) -> None:
        """Stop every component (SIGTERM, then SIGKILL) and wait for it, then drop the
        metadata database and the Redis database."""
        _stop_all(list(self.processes.values()))
        self.processes.clear()
        _pg(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        if self.redis_db is not None:
            _flush_redis(self.redis_db)


def prepare(home: Path, sandbox_url: str, *, executor: str = "CeleryExecutor",
            redis_db: int | None = None, pool_slots: int = 5,
            env: dict[str, str] | None = None) -> Cluster:
    """The deployment's environment and metadata database (migrated, pool set, the Xero app
    authorized in the sandbox); nothing is running yet."""
    home.mkdir(parents=True, exist_ok=True)
    database = f"xero_cluster_{uuid.uuid4().hex[:10]}"
    _pg(f'CREATE DATABASE "{database}"')
    port = free_port()
    metadata = f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}"
    from xero_sync.scopes import EVERY_OBJECT

    xero = {"conn_type": "xero", "login": "sandbox-client-id",
            "password": "sandbox-client-secret",
            "extra": {"api_url": sandbox_url, "identity_url": sandbox_url,
                      "login_url": sandbox_url, "scopes": " ".join(EVERY_OBJECT)}}
    environment = dict(os.environ)
    environment.pop("XERO_SYNC_FERNET_KEY", None)
    environment.update({
        "AIRFLOW_HOME": str(home / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": executor,
        "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
        "AIRFLOW__CORE__HOSTNAME_CALLABLE": "airflow_cluster.worker_hostname",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata,
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": metadata.replace("psycopg", "psycopg_async"),
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__API_AUTH__JWT_SECRET": uuid.uuid4().hex,
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW_CONN_XERO_DEFAULT": json.dumps(xero),
        "AIRFLOW_CONN_XERO_WAREHOUSE": json.dumps({"conn_type": "sqlite",
                                                   "host": str(home / "warehouse.db")}),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "plugins"), str(ROOT / "tools")]),
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    })
    if redis_db is not None:
        _flush_redis(redis_db)
        environment["AIRFLOW__CELERY__BROKER_URL"] = f"{REDIS}/{redis_db}"
        environment["AIRFLOW__CELERY__RESULT_BACKEND"] = (
            f"db+postgresql+psycopg://postgres@127.0.0.1:5432/{database}")
    environment.update(env or {})
    cluster = Cluster(home, environment, database, redis_db)
    try:
        cluster.airflow("db", "migrate")
        cluster.airflow("pools", "set", "xero_api", str(pool_slots), "sync tasks at once")
        authorize_headless(environment)
    except BaseException:
        cluster.stop()
        raise
    return cluster


def start(cluster: Cluster, *, workers: int = 2, concurrency: int = 2,
          timeout: float = 240) -> None:
    """API server, scheduler, DAG processor and (Celery) the workers; returns when the API
    server answers and every worker answers a ping."""
    cluster.start("api-server", "api-server", "--port", cluster.env["AIRFLOW__API__PORT"])
    cluster.start("dag-processor", "dag-processor")
    cluster.start("scheduler", "scheduler")
    names = []
    if cluster.env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor":
        for number in range(1, workers + 1):
            name = f"worker{number}"
            names.append(f"{name}@{socket.gethostname()}")
            cluster.start(name, "celery", "worker", "--celery-hostname", f"{name}@%h",
                          "--concurrency", str(concurrency), extra={
                              "AIRFLOW_CLUSTER_WORKER": f"{name}.{socket.gethostname()}",
                              "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port())})
    deadline = time.monotonic() + timeout
    health = cluster.env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] + "health"
    while not _answers(health):
        cluster.check_alive()
        if time.monotonic() > deadline:
            raise RuntimeError(f"the API server did not answer in {timeout:.0f} s:\n"
                               f"{cluster.log_tail('api-server')}")
        time.sleep(1)
    if names:
        _wait_for_workers(cluster, names, deadline)


def wait_parsed(cluster: Cluster, dag_ids: list[str], timeout: float) -> None:
    """Until the DAG processor has stored these DAGs."""
    deadline = time.monotonic() + timeout
    while True:
        parsed = {row[0] for row in cluster.query("SELECT dag_id FROM serialized_dag")}
        if set(dag_ids) <= parsed:
            break
        cluster.check_alive()
        if time.monotonic() > deadline:
            raise RuntimeError(f"DAGs not parsed in {timeout:.0f} s:\n"
                               f"{cluster.log_tail('dag-processor')}")
        time.sleep(1)


def run_scheduled(cluster: Cluster, dag_ids: list[str], timeout: float) -> list[tuple[str, str]]:
    """Unpause the DAGs once the DAG processor has stored them; each gets its run for the
    latest interval (catchup is off). Returns (dag_id, state) of those runs once finished."""
    deadline = time.monotonic() + timeout
    wait_parsed(cluster, dag_ids, timeout)
    pattern = "^(" + "|".join(re.escape(dag_id) for dag_id in dag_ids) + ")$"
    cluster.airflow("dags", "unpause", "--treat-dag-id-as-regex", "--yes", pattern)
    while True:
        runs = cluster.query("SELECT dag_id, state FROM dag_run WHERE dag_id = ANY(%s)",
                             (dag_ids,))
        if len(runs) >= len(dag_ids) and all(state in FINISHED for _, state in runs):
            return [(str(d), str(s)) for d, s in runs]
        cluster.check_alive()
        if time.monotonic() > deadline:
            raise RuntimeError(f"runs not finished in {timeout:.0f} s: {runs}\n"
                               f"{cluster.log_tail('scheduler')}")
        time.sleep(1)


def task_instances(cluster: Cluster) -> list[dict[str, Any]]:
    """Every task instance: DAG, task, map index, its label, state, tries and hostname."""
    rows = cluster.query("SELECT dag_id, run_id, task_id, map_index, rendered_map_index, "
                         "state, try_number, hostname FROM task_instance")
    keys = ("dag_id", "run_id", "task_id", "map_index", "label", "state", "try_number",
            "hostname")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def task_log(cluster: Cluster, ti: dict[str, Any]) -> str:
    """A task instance's log as the UI reads it (the API server's log endpoint)."""
    base = f"http://127.0.0.1:{cluster.env['AIRFLOW__API__PORT']}/api/v2"
    url = (f"{base}/dags/{ti['dag_id']}/dagRuns/{ti['run_id']}/taskInstances/{ti['task_id']}"
           f"/logs/{ti['try_number']}")
    answer = requests.get(url, params={"map_index": ti["map_index"], "full_content": "true"},
                          headers={"Accept": "application/json"}, timeout=60)
    answer.raise_for_status()
    content = answer.json().get("content", [])
    return "\n".join(part.get("event", "") if isinstance(part, dict) else str(part)
                     for part in content)


def authorize_headless(env: dict[str, str]) -> None:
    """The authorize command, headless (the sandbox consents); the webhooks bench uses it too."""
    command = [sys.executable, "-m", "xero_sync.auth", "authorize", "--no-browser", "--port",
               "0"]
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE,  # noqa: S603
                          stderr=subprocess.STDOUT, text=True) as process:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("http"):
                requests.get(line.strip(), timeout=60)
                break
        output = process.stdout.read()
        if process.wait(timeout=120) != 0:
            raise RuntimeError(f"authorize failed: {output[-2000:]}")


def _wait_for_workers(cluster: Cluster, names: list[str], deadline: float) -> None:
    command = [str(BIN / "celery"), "--app",
               "airflow.providers.celery.executors.celery_executor.app", "inspect", "ping",
               "--timeout", "5"]
    while True:
        done = subprocess.run(command, env=cluster.env, capture_output=True, text=True,  # noqa: S603
                              check=False)
        if all(f"{name}: OK" in done.stdout for name in names):
            return
        cluster.check_alive()
        if time.monotonic() > deadline:
            raise RuntimeError(f"workers {names} did not answer: {done.stdout[-1000:]}"
                               f"{done.stderr[-1000:]}\n{cluster.log_tail('worker1')}")
        time.sleep(2)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.RequestException:
        return False


def _signal(process: subprocess.Popen[bytes], sig: int) -> None:
    """Signal a component's whole process group (it was started in a session of its own)."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)


def _stop_all(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM to every component at once, SIGKILL to any still running after 60 s; each is
    waited for, so its CPU time is counted in the caller's ``RUSAGE_CHILDREN``."""
    for process in processes:
        _signal(process, signal.SIGTERM)
    deadline = time.monotonic() + 60
    for process in processes:
        try:
            process.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal(process, signal.SIGKILL)
            process.wait(timeout=30)


def _pg(statement: str) -> None:
    import psycopg

    with psycopg.connect(**PG, dbname="postgres", autocommit=True) as db:  # type: ignore[arg-type]
        db.execute(statement)  # type: ignore[arg-type]


def _flush_redis(db: int) -> None:
    """Empty one Redis database (the cluster's own number), leaving the others alone."""
    import redis

    redis.Redis.from_url(f"{REDIS}/{db}").flushdb()
