"""Issue 15's proof through the product's own path: Airflow runs every DAG against the
sandbox into SQLite, the sync tasks create the reporting layer, and the
layer equals the sandbox's Reports API to the cent (both organisations, 13 month ends, every
account line and total, the aged reports of every contact); then the organisations change
(a void, a back-dated invoice, a payment in another currency), the DAGs run again, and it
still does; last, Airflow runs xero__reports, whose check passes only with 0 differences
between Xero's snapshotted reports and the layer. PostgreSQL's and SQL Server's layers are
proven against the same reports in test_layer.py (loaded directly; Babelfish for SQL
Server), and every sync DAG syncs into both in
tests/e2e: running every DAG twice more per database here cost the suite minutes for no new
behaviour."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from cryptography.fernet import Fernet

from tests.e2e.support import PG, Deployment, deployment, drop
from tests.reporting.test_layer import differences
from xero_sandbox.server import Sandbox
from xero_sandbox.state import SandboxConfig
from xero_sync.warehouse.dbapi import WarehouseTarget, connect
from xero_sync.warehouse.factory import WAREHOUSES
from xero_sync.warehouse.sqlbase import SqlWarehouse


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(seed=21, tenants=2, scale=150, auto_consent=True)) as running:
        yield running


def open_warehouse(deployed: Deployment) -> SqlWarehouse:
    if deployed.warehouse_dialect == "sqlite":
        target = WarehouseTarget("sqlite", deployed.warehouse_location)
    else:
        target = WarehouseTarget("postgres", deployed.warehouse_location, PG["host"],
                                 int(PG["port"]), str(PG["user"]))
    return WAREHOUSES[deployed.warehouse_dialect](connect(target), "xero")


def test_the_synced_layer_equals_the_reports_api_before_and_after_changes(
        sandbox: Sandbox, tmp_path: Path) -> None:
    dialect = "sqlite"
    sandbox.state.reset(identity=True)
    sandbox.state.limiter.limits.per_day = 1_000_000  # two syncs and hundreds of reports
    sandbox.state.limiter.limits.per_minute = 1_000_000
    deployed = deployment(tmp_path, sandbox, dialect, Fernet.generate_key().decode())
    found: dict[str, list[str]] = {}
    try:
        deployed.airflow("db", "migrate")
        deployed.airflow("pools", "set", "xero_api", "5", "Xero's concurrent limit")
        deployed.authorize()

        def between_rounds() -> None:
            """Compare after the first sync, then let the organisations change."""
            warehouse = open_warehouse(deployed)
            try:
                found["first"] = differences(sandbox, warehouse)
            finally:
                warehouse.close()
            reply = requests.post(f"{sandbox.url}/_sandbox/activity", json={"intensity": 10},
                                  timeout=60)
            assert reply.status_code == 200

        deployed.run_dags(between=between_rounds)
        # Xero's own reports, snapshotted by xero__reports; its check task fails on any
        # difference from the layer, so a successful run is 0 differences.
        (run,) = deployed.run_dags(only=["xero__reports"], conf={"aged_contacts": 3})
        warehouse = open_warehouse(deployed)
        try:
            found["second"] = differences(sandbox, warehouse)
            cursor = warehouse.connection.cursor()
            table = warehouse.table("report_snapshots")
            cursor.execute(f"SELECT COUNT(*), COUNT(DISTINCT report_name) FROM {table}")  # noqa: S608
            snapshots = tuple(cursor.fetchone())
        finally:
            warehouse.close()
    finally:
        drop(deployed)
    assert found == {"first": [], "second": []}
    assert run["state"] == "success" and snapshots[1] == 5 and snapshots[0] > 10
