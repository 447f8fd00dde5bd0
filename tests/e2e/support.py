"""A real Airflow home, the sandbox and a warehouse, wired as a user wires them; and the
comparison of a warehouse against the sandbox's truth."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests

from xero_sandbox import endpoints
from xero_sandbox.api_routes import list_query
from xero_sandbox.request import Request
from xero_sandbox.server import Sandbox
from xero_sandbox.store import selected
from xero_sync.mapping import ChildTable, ObjectMapping
from xero_sync.scopes import EVERY_OBJECT
from xero_sync.warehouse.dbapi import WarehouseTarget, target_from_uri
from xero_sync.warehouse.pool import IDLE

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}


@dataclass
class Deployment:
    """Environment for Airflow processes: home, connections, key."""

    env: dict[str, str]
    warehouse_dialect: str
    warehouse_location: str  # SQLite path, or PostgreSQL or SQL Server database name

    def airflow(self, *args: str) -> None:
        """Run an airflow CLI command; its output is shown only if it fails."""
        result = subprocess.run([str(BIN / "airflow"), *args], env=self.env,
                                capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    def run_dags(self, only: list[str] | None = None, conf: dict[str, Any] | None = None,
                 between: Callable[[], None] | None = None) -> list[dict[str, Any]]:
        """Every DAG (or ``only``) once, through dag.test(); returns each run's outcome.

        With ``between``, the same Airflow process runs a second round after calling it (one
        Airflow start-up instead of two).
        """
        command = [sys.executable, str(ROOT / "tools" / "demo_run_dags.py"),
                   "--conf", json.dumps(conf or {})]
        if only:
            command += ["--only", *only]
        if between:
            command.append("--pause")
        lines: list[str] = []
        with subprocess.Popen(command, env=self.env, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True) as process:
            assert process.stdout is not None and process.stdin is not None
            for line in process.stdout:
                lines.append(line)
                if line.startswith("DEMO-PAUSE") and between:
                    between()
                    process.stdin.write("go\n")
                    process.stdin.flush()
            code = process.wait()
        runs = [json.loads(line[5:]) for line in lines if line.startswith("DEMO {")]
        failed = [r for r in runs if r["state"] != "success"]
        assert code == 0 and runs and not failed, f"failed: {failed}\n{''.join(lines[-80:])}"
        return runs

    def authorize(self) -> None:
        """The authorize command, headless: the sandbox consents on the user's behalf."""
        command = [sys.executable, "-m", "xero_sync.auth", "authorize", "--no-browser",
                   "--port", "0"]
        with subprocess.Popen(command, env=self.env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True) as process:
            assert process.stdout is not None
            for line in process.stdout:
                if line.startswith("http"):
                    requests.get(line.strip(), timeout=30)
                    break
            output = process.stdout.read()
            assert process.wait(timeout=60) == 0, output


def deployment(home: Path, sandbox: Sandbox, dialect: str, fernet_key: str) -> Deployment:
    """Connections as environment variables, an Airflow home with its own metadata DB."""
    config = sandbox.state.config
    xero = {"conn_type": "xero", "login": config.client_id, "password": config.client_secret,
            "extra": {"api_url": sandbox.url, "identity_url": sandbox.url,
                      "login_url": sandbox.url, "scopes": " ".join(EVERY_OBJECT)}}
    if dialect == "sqlite":
        location = str(home / "warehouse.db")
        warehouse = {"conn_type": "sqlite", "host": location}
    elif dialect == "mssql":  # through the MSSQL provider, as in production
        server = mssql_target()
        location = f"xero_e2e_{uuid.uuid4().hex[:10]}"
        _mssql_admin(f"CREATE DATABASE [{location}]")
        warehouse = {"conn_type": "mssql", "host": server.host, "port": server.port,
                     "login": server.user, "password": server.password, "schema": location}
    else:
        location = f"xero_e2e_{uuid.uuid4().hex[:10]}"
        _pg_admin(f'CREATE DATABASE "{location}"')
        warehouse = {"conn_type": "postgres", "host": PG["host"], "port": PG["port"],
                     "login": PG["user"], "schema": location}
    env = dict(os.environ)
    env.update({
        "AIRFLOW_HOME": str(home / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__FERNET_KEY": fernet_key,
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow' / 'airflow.db'}",
        "AIRFLOW_CONN_XERO_DEFAULT": json.dumps(xero),
        "AIRFLOW_CONN_XERO_WAREHOUSE": json.dumps(warehouse),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "plugins"), str(ROOT / "tools")]),
    })
    env.pop("XERO_SYNC_FERNET_KEY", None)  # Airflow's own key is used, as in production
    return Deployment(env, dialect, location)


def drop(deployment: Deployment) -> None:
    """Remove a PostgreSQL or SQL Server scratch database."""
    if deployment.warehouse_dialect == "postgres":
        _pg_admin(f'DROP DATABASE IF EXISTS "{deployment.warehouse_location}" WITH (FORCE)')
    if deployment.warehouse_dialect == "mssql":
        IDLE.close_all()  # this process's idle sessions (warehouse/pool.py) would block it
        close_mssql_reader(deployment.warehouse_location)
        _mssql_admin(f"DROP DATABASE IF EXISTS [{deployment.warehouse_location}]")


def mssql_target() -> WarehouseTarget:
    """The SQL Server of ``XERO_SYNC_TEST_MSSQL`` (Babelfish here)."""
    return target_from_uri(os.environ["XERO_SYNC_TEST_MSSQL"])


def _mssql_admin(statement: str) -> None:
    """CREATE or DROP DATABASE: outside a transaction, so on an autocommit connection."""
    import pymssql

    server = mssql_target()
    connection = pymssql.connect(server=server.host, port=str(server.port or 1433),
                                 user=server.user, password=server.password,
                                 database=server.database, autocommit=True)
    try:
        connection.cursor().execute(statement)
    finally:
        connection.close()


def _pg_admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(**PG, dbname="postgres", autocommit=True) as connection:  # type: ignore[arg-type]
        connection.execute(statement)  # type: ignore[arg-type]


# -- reading the warehouse -------------------------------------------------------------------


def read_rows(deployment: Deployment, table: str, tenant: str) -> list[dict[str, Any]]:
    """Every row of a warehouse table for one tenant."""
    if deployment.warehouse_dialect == "sqlite":
        import sqlite3

        with sqlite3.connect(deployment.warehouse_location) as db:
            db.row_factory = sqlite3.Row
            cursor = db.execute(f'SELECT * FROM "xero_{table}" WHERE tenant_id = ?',  # noqa: S608
                                (tenant,))
            return [dict(row) for row in cursor]
    if deployment.warehouse_dialect == "mssql":
        cursor = _mssql_reader(deployment.warehouse_location).cursor()
        cursor.execute(f"SELECT * FROM [xero].[{table}] WHERE tenant_id = %s",  # noqa: S608
                       (tenant,))
        return list(cursor.fetchall())
    import psycopg
    from psycopg.rows import dict_row

    with psycopg.connect(**PG, dbname=deployment.warehouse_location,  # type: ignore[arg-type]
                         row_factory=dict_row) as db:
        cursor = db.execute(f'SELECT * FROM xero."{table}" WHERE tenant_id = %s',  # type: ignore[arg-type]  # noqa: S608
                            (tenant,))
        return [dict(row) for row in cursor]


# One open session per SQL Server database read: a new session costs Babelfish a server
# process and a second or more, and a comparison reads each table of each organisation (the
# fault trials' comparisons took 75 s each so, 1 s with one session). Autocommit, so a read
# holds no lock past its statement (the DAGs alter and write these tables meanwhile).
_MSSQL_READERS: dict[str, Any] = {}


def _mssql_reader(database: str) -> Any:
    """This process's reading session of ``database``, opened on first use."""
    if database not in _MSSQL_READERS:
        import pymssql

        server = mssql_target()
        _MSSQL_READERS[database] = pymssql.connect(
            server=server.host, port=str(server.port or 1433), user=server.user,
            password=server.password, database=database, as_dict=True, autocommit=True)
    return _MSSQL_READERS[database]


def close_mssql_reader(database: str) -> None:
    """Close the reading session of ``database`` (DROP DATABASE refuses one in use)."""
    connection = _MSSQL_READERS.pop(database, None)
    if connection is not None:
        connection.close()


# -- comparing with the truth ----------------------------------------------------------------


def visible_truth(sandbox: Sandbox, mapping: ObjectMapping, tenant: str) -> list[dict[str, Any]]:
    """The records Xero would ever return for the mapping (never-listed statuses excluded),
    as far as the mapping's fixed params select them (``paymentsOnly``, filters)."""
    endpoint = next(e for e in endpoints.served()
                    if e.key == mapping.collection and e.family == mapping.api)
    query = list_query(Request("GET", "/", {k: [v] for k, v in mapping.params.items()}),
                       endpoint)
    records = copy.deepcopy(sandbox.state.truth(tenant, mapping.collection))  # activity mutates
    return [r for r in records
            if r.get(endpoint.status_field) not in endpoint.never_listed_statuses
            and selected(r, endpoint, query)]


def lookup(record: dict[str, Any], source: str) -> Any:
    value: Any = record
    for part in source.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def key_of(value: Any) -> str:
    return str(value).lower()


def money_sums(rows: list[dict[str, Any]], mapping: ObjectMapping,
               from_truth: bool) -> dict[str, Decimal]:
    """Sum of every money column (per the mapping) over rows or truth records."""
    sums: dict[str, Decimal] = {}
    for column in mapping.columns:
        if column.type != "money":
            continue
        values = [lookup(r, column.source) if from_truth else r[column.name] for r in rows]
        sums[column.name] = sum((Decimal(str(v)) for v in values if v is not None), Decimal(0))
    return sums


def expected_child_rows(records: list[dict[str, Any]], child: ChildTable) -> int:
    """How many rows a child table should hold for these records (grandchildren too)."""
    return sum(len(r.get(child.source) or []) for r in records)


def iter_children(mapping: ObjectMapping) -> Iterator[tuple[ChildTable, ChildTable | None]]:
    """(child, its parent child table or None) for every child table."""
    for child in mapping.children:
        yield child, None
        for grandchild in child.children:
            yield grandchild, child
