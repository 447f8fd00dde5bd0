"""Every DAG, run by Airflow (``dag.test()``) against the sandbox with two organisations, into
SQLite, PostgreSQL and SQL Server (the ``mssql`` connection type through the MSSQL provider,
when ``XERO_SYNC_TEST_MSSQL`` names a server: Babelfish in CI): the warehouse equals the
sandbox's truth after the first run, again after the organisations change and an incremental
run, and after a full refresh the items Xero hard-deleted are marked deleted (issue 5's
end-to-end acceptance).

In the SQLite scenario the reporting layer the sync tasks create is also compared with the
sandbox's Reports API after each round (both organisations, 13 month ends, every account line
and total, the aged reports of every contact; issue 15), and Airflow then runs xero__reports,
whose check task fails on any difference between Xero's snapshotted reports and the layer.
PostgreSQL's and SQL Server's layers are proven against the same reports in
tests/reporting/test_layer.py (loaded directly): a comparison through every DAG costs each
scenario a minute more for no new behaviour."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.fernet import Fernet

from tests.e2e.support import (
    Deployment,
    deployment,
    drop,
    expected_child_rows,
    iter_children,
    key_of,
    lookup,
    money_sums,
    read_rows,
    visible_truth,
)
from tests.reporting.test_layer import differences
from xero_sandbox.server import Sandbox
from xero_sandbox.state import SandboxConfig
from xero_sync.mapping import ObjectMapping, load_mappings
from xero_sync.warehouse.dbapi import WarehouseTarget
from xero_sync.warehouse.factory import warehouse_for

ROOT = Path(__file__).resolve().parents[2]
MAPPINGS = load_mappings(ROOT / "include" / "mappings")
# Under xdist, each warehouse's end-to-end run goes to a worker of its own (tests/conftest.py).
pytestmark = pytest.mark.spread_over("scenario")
HARD_DELETED = {"items", "linked_transactions"}  # Xero deletes these without a trace
# Edits Xero makes without bumping UpdatedDateUTC: an incremental run cannot see them.
BLIND_SPOT_SOURCES = ("Balances.", "DueDate", "SentToContact", "IsSupplier", "IsCustomer")
REPORTED = "sqlite"  # the scenario whose reporting layer is compared with Xero's reports


@dataclass
class Scenario:
    """What happened in one database: calls and runs of each round."""

    sandbox: Sandbox
    deployment: Deployment
    calls: dict[str, dict[str, int]] = field(default_factory=dict)
    after_first: dict[str, Any] = field(default_factory=dict)  # mapping -> tenant -> rows
    truth_first: dict[str, Any] = field(default_factory=dict)  # mapping -> tenant -> records
    # Reporting layer against the Reports API, per round (the REPORTED scenario only).
    report_differences: dict[str, list[str]] = field(default_factory=dict)
    reports_run: dict[str, Any] = field(default_factory=dict)  # xero__reports' outcome
    snapshots: tuple[int, int] = (0, 0)  # snapshot rows, distinct reports


def _calls(sandbox: Sandbox) -> dict[str, int]:
    """The sync DAGs' calls by endpoint (Reports calls are the reporting comparison's)."""
    totals: dict[str, int] = {}
    for (_, endpoint), count in sandbox.state.stats.calls.items():
        if endpoint != "Reports":
            totals[endpoint] = totals.get(endpoint, 0) + count
    return totals


def _delta(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {k: v - before.get(k, 0) for k, v in after.items() if v - before.get(k, 0)}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(seed=21, tenants=2, scale=150, auto_consent=True)) as running:
        yield running


@pytest.fixture(scope="module", params=["sqlite", "postgres", "mssql"])
def scenario(request: pytest.FixtureRequest, sandbox: Sandbox,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    """Set up Airflow as a user would, run every DAG, change the organisations, run again."""
    if request.param == "postgres":
        from tests.auth.conftest import postgres_available

        if not postgres_available():
            pytest.skip("PostgreSQL at 127.0.0.1:5432 is unreachable (REQUIRE_POSTGRES=1 fails)")
    if request.param == "mssql" and not os.environ.get("XERO_SYNC_TEST_MSSQL"):
        pytest.skip("no SQL Server here: set XERO_SYNC_TEST_MSSQL=mssql://user:pass@host:1433/db "
                    "to run every DAG into one (REQUIRE_MSSQL=1 fails)")
    sandbox.state.reset(identity=True)
    home = tmp_path_factory.mktemp(f"e2e-{request.param}")
    deployed = deployment(home, sandbox, request.param, Fernet.generate_key().decode())
    try:
        deployed.airflow("db", "migrate")
        deployed.airflow("pools", "set", "xero_api", "5", "Xero's concurrent limit")
        deployed.authorize()
        result = Scenario(sandbox, deployed)
        start = _calls(sandbox)
        marks: dict[str, dict[str, int]] = {}

        def between_rounds() -> None:
            """Look at the warehouse after the first run, then let the organisations change."""
            marks["first"] = _calls(sandbox)
            result.after_first = {m.name: _snapshot(result, m) for m in MAPPINGS}
            result.truth_first = {m.name: {t: visible_truth(sandbox, m, t)
                                           for t in sandbox.state.tenant_names}
                                  for m in MAPPINGS}
            if request.param == REPORTED:
                result.report_differences["first"] = _report_differences(result)
            # A void, a back-dated invoice, a payment in another currency among the changes.
            requests.post(f"{sandbox.url}/_sandbox/activity", json={"intensity": 10},
                          timeout=60)

        deployed.run_dags(between=between_rounds)
        result.calls["first"] = _delta(marks["first"], start)
        result.calls["second"] = _delta(_calls(sandbox), marks["first"])
        if request.param == REPORTED:
            result.report_differences["second"] = _report_differences(result)
            _run_xero_reports(result)
        yield result
    finally:
        drop(deployed)


def _open_warehouse(deployed: Deployment) -> Any:
    """The REPORTED scenario's warehouse (an SQLite file)."""
    return warehouse_for(WarehouseTarget(REPORTED, deployed.warehouse_location))


def _report_differences(scenario: Scenario) -> list[str]:
    """The layer against the sandbox's Reports API. The comparison's few hundred report calls
    are the test's looking, not the world: the limits are lifted for them and the rate windows
    emptied after (as the hour between two scheduled rounds would)."""
    warehouse = _open_warehouse(scenario.deployment)
    try:
        with scenario.sandbox.state.limiter.lifted():
            return differences(scenario.sandbox, warehouse)
    finally:
        warehouse.close()


def _run_xero_reports(scenario: Scenario) -> None:
    """Airflow runs xero__reports (its check fails on any difference from the layer)."""
    with scenario.sandbox.state.limiter.lifted():
        (scenario.reports_run,) = scenario.deployment.run_dags(
            only=["xero__reports"], conf={"aged_contacts": 3})
    warehouse = _open_warehouse(scenario.deployment)
    try:
        cursor = warehouse.connection.cursor()
        table = warehouse.table("report_snapshots")
        cursor.execute(f"SELECT COUNT(*), COUNT(DISTINCT report_name) FROM {table}")  # noqa: S608
        count, reports = cursor.fetchone()
        scenario.snapshots = (int(count), int(reports))
    finally:
        warehouse.close()


def _snapshot(scenario: Scenario, mapping: ObjectMapping) -> dict[str, Any]:
    return {tenant: read_rows(scenario.deployment, mapping.table, tenant)
            for tenant in scenario.sandbox.state.tenant_names}


def _assert_equal(truth: list[dict[str, Any]], mapping: ObjectMapping,
                  rows: list[dict[str, Any]], *, exact: bool, skip_blind_spots: bool) -> None:
    truth_keys = {key_of(r[mapping.primary_key]) for r in truth}
    by_key = {key_of(r[mapping.key_column]): r for r in rows}
    assert len(by_key) == len(rows), f"{mapping.name}: duplicate keys"
    if exact:
        assert set(by_key) == truth_keys, mapping.name
    else:
        assert truth_keys <= set(by_key), mapping.name
        extra = set(by_key) - truth_keys
        assert not extra or mapping.name in HARD_DELETED, (mapping.name, extra)
    kept = [by_key[k] for k in sorted(truth_keys)]
    expected = money_sums(truth, mapping, from_truth=True)
    got = money_sums(kept, mapping, from_truth=False)
    for column in mapping.columns:
        if skip_blind_spots and column.source.startswith(BLIND_SPOT_SOURCES):
            expected.pop(column.name, None)
            got.pop(column.name, None)
    assert got == expected, mapping.name
    if mapping.deleted_field:
        deleted = sum(1 for r in truth
                      if lookup(r, mapping.deleted_field) in mapping.deleted_values)
        assert sum(bool(r["is_deleted"]) for r in kept) == deleted, mapping.name


@pytest.mark.parametrize("mapping", MAPPINGS, ids=[m.name for m in MAPPINGS])
def test_first_run_equals_the_truth(scenario: Scenario, mapping: ObjectMapping) -> None:
    for tenant, rows in scenario.after_first[mapping.name].items():
        truth = scenario.truth_first[mapping.name][tenant]
        _assert_equal(truth, mapping, rows, exact=True, skip_blind_spots=False)


@pytest.mark.parametrize("mapping", MAPPINGS, ids=[m.name for m in MAPPINGS])
def test_second_run_equals_the_truth_again(scenario: Scenario, mapping: ObjectMapping) -> None:
    for tenant in scenario.sandbox.state.tenant_names:
        rows = read_rows(scenario.deployment, mapping.table, tenant)
        truth = visible_truth(scenario.sandbox, mapping, tenant)
        _assert_equal(truth, mapping, rows, exact=mapping.name not in HARD_DELETED,
                      skip_blind_spots=True)


@pytest.mark.parametrize("mapping", MAPPINGS, ids=[m.name for m in MAPPINGS])
def test_child_tables_hold_every_nested_row(scenario: Scenario, mapping: ObjectMapping) -> None:
    for tenant in scenario.sandbox.state.tenant_names:
        truth = visible_truth(scenario.sandbox, mapping, tenant)
        for child, parent in iter_children(mapping):
            records = truth if parent is None else [
                item for r in truth for item in (r.get(parent.source) or [])]
            rows = read_rows(scenario.deployment, child.table, tenant)
            assert len(rows) == expected_child_rows(records, child), child.table


def test_incremental_run_uses_far_fewer_calls(scenario: Scenario) -> None:
    first = sum(scenario.calls["first"].values())
    second = sum(scenario.calls["second"].values())
    assert second < first
    paged = scenario.calls["first"]["Invoices"]
    assert scenario.calls["second"]["Invoices"] <= paged


def test_full_refresh_marks_hard_deleted_items(scenario: Scenario) -> None:
    scenario.deployment.run_dags(only=["xero__items", "xero__linked_transactions"],
                                 conf={"full_refresh": True})
    for mapping in MAPPINGS:
        if mapping.name not in HARD_DELETED:
            continue
        for tenant in scenario.sandbox.state.tenant_names:
            rows = read_rows(scenario.deployment, mapping.table, tenant)
            truth_keys = {key_of(r[mapping.primary_key])
                          for r in visible_truth(scenario.sandbox, mapping, tenant)}
            gone = [r for r in rows if key_of(r[mapping.key_column]) not in truth_keys]
            assert gone, f"activity hard-deletes {mapping.name}; the warehouse keeps them"
            assert all(r["is_deleted"] for r in gone), mapping.name
            assert not any(r["is_deleted"] for r in rows
                           if key_of(r[mapping.key_column]) in truth_keys
                           and not _deleted_by_status(mapping, r))


def _deleted_by_status(mapping: ObjectMapping, row: dict[str, Any]) -> bool:
    if mapping.deleted_field is None:
        return False
    column = next(c.name for c in mapping.columns if c.source == mapping.deleted_field)
    return row.get(column) in mapping.deleted_values


def test_amounts_are_exact_decimals(scenario: Scenario) -> None:
    invoices = next(m for m in MAPPINGS if m.name == "invoices")
    tenant = next(iter(scenario.sandbox.state.tenant_names))
    rows = read_rows(scenario.deployment, invoices.table, tenant)
    assert all(Decimal(str(r["total"])) == Decimal(str(r["total"])).quantize(Decimal("0.0001"))
               for r in rows if r["total"] is not None)


@pytest.mark.parametrize("scenario", [REPORTED], indirect=True)
def test_the_reporting_layer_equals_xeros_reports_after_each_round(scenario: Scenario) -> None:
    assert scenario.report_differences == {"first": [], "second": []}
    assert scenario.reports_run["state"] == "success"
    count, reports = scenario.snapshots
    assert reports == 5 and count > 10
