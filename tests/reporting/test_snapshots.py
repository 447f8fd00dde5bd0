"""Xero's own reports snapshotted into the warehouse (``xero__reports``) equal the reporting
layer, on SQLite, PostgreSQL and SQL Server (Babelfish when ``XERO_SYNC_TEST_MSSQL`` is set);
a warehouse row altered after the sync shows up as a difference; taking a date again replaces
its snapshot; the DAG's tasks work through the hook with the reports scopes and no Journals.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from cryptography.fernet import Fernet

from tests.auth.conftest import connect_app, sandbox_settings
from tests.reporting import test_layer
from tests.reporting.figures import EXAMPLES
from tests.reporting.test_layer import fetcher, load_sandbox
from tests.sandbox.conftest import SandboxClient
from tests.warehouse.support import Scratch, sqlite_scratch
from xero_sandbox.ledger import add_months, month_end
from xero_sandbox.msdate import from_ms, parse_ms
from xero_sandbox.server import Sandbox
from xero_sync.auth.crypto import TokenCipher
from xero_sync.auth.token_store import token_store
from xero_sync.report_snapshots import (
    ReportDifferences,
    check_organisations,
    snapshot_dates,
    snapshot_organisations,
    take_snapshots,
)
from xero_sync.scopes import REPORT_SCOPES
from xero_sync.warehouse import reporting, snapshots
from xero_sync.warehouse.dbapi import WarehouseTarget
from xero_sync.warehouse.sqlbase import SqlWarehouse

# The layer's test's fixtures: a warehouse of each dialect loaded with the sandbox's records.
scratch = test_layer.scratch
loaded = test_layer.loaded


def dates_of(sandbox: Sandbox) -> list[date]:
    """Two month ends inside the books and the sandbox's today."""
    today = from_ms(sandbox.state.clock.now_ms()).date()
    return [month_end(add_months(date(2026, 6, 1), -3)), month_end(date(2026, 6, 1)), today]


# -- without a database -----------------------------------------------------------------------


def test_xero_published_examples_parse_into_lines_with_accounts_and_exact_amounts() -> None:
    trial = snapshots.parse_report(EXAMPLES["TrialBalance"], str(uuid.uuid4()), "TrialBalance",
                                   date(2019, 4, 24))
    sales = [line for line in trial.lines if line.label == "Sales (400)"]
    assert sales and {line.account_code for line in sales} == {"400"}
    assert all(line.account_id for line in sales)
    assert {line.column_name for line in sales} == {"Debit", "Credit", "YTD Debit", "YTD Credit"}
    assert all(isinstance(line.amount, Decimal) for line in sales if line.value)
    assert trial.report_titles.startswith("Trial Balance")
    assert len({(line.line_no, line.column_no) for line in trial.lines}) == len(trial.lines)


def test_the_default_dates_are_the_last_month_ends_and_today() -> None:
    assert snapshot_dates({}, date(2026, 7, 15)) == [date(2026, 6, 30), date(2026, 7, 15)]
    assert snapshot_dates({"month_ends": 2}, date(2026, 3, 1)) == [
        date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 1)]
    assert snapshot_dates({"dates": ["2026-03-31", "2025-12-31", "2026-03-31"]},
                          date(2026, 7, 15)) == [date(2025, 12, 31), date(2026, 3, 31)]


# -- against the sandbox, on every dialect ----------------------------------------------------


@pytest.fixture(scope="module")
def snapped(loaded: tuple[Sandbox, SqlWarehouse]) -> tuple[Sandbox, SqlWarehouse]:
    """Every organisation's reports of three dates, snapshotted from the sandbox."""
    sandbox, warehouse = loaded
    snapshots.ensure_snapshot_tables(warehouse)
    for tenant in sandbox.state.tenant_names:
        stored, lines = take_snapshots(warehouse, tenant, dates_of(sandbox),
                                       fetcher(sandbox, tenant), {"aged_contacts": 5})
        assert stored > 9 and lines > 100
    return sandbox, warehouse


def count(warehouse: SqlWarehouse, table: str) -> int:
    cursor = warehouse.connection.cursor()
    cursor.execute(f"SELECT COUNT(*) FROM {warehouse.table(table)}")  # noqa: S608
    (value,) = cursor.fetchone()
    warehouse.connection.commit()
    return int(value)


def all_differences(sandbox: Sandbox, warehouse: SqlWarehouse
                    ) -> tuple[list[snapshots.Difference], dict[str, int]]:
    found: list[snapshots.Difference] = []
    compared: dict[str, int] = {}
    for tenant in sandbox.state.tenant_names:
        for as_at in dates_of(sandbox):
            differ, counts = snapshots.differences(warehouse, tenant, as_at)
            found += differ
            for name, n in counts.items():
                compared[name] = compared.get(name, 0) + n
    return found, compared


def test_snapshots_of_the_sandbox_equal_the_layer(
        snapped: tuple[Sandbox, SqlWarehouse]) -> None:
    sandbox, warehouse = snapped
    found, compared = all_differences(sandbox, warehouse)
    assert found == []
    tenants, days = len(sandbox.state.tenant_names), len(dates_of(sandbox))
    for name in ("TrialBalance", "BalanceSheet", "ProfitAndLoss"):
        assert compared[name] == tenants * days
    assert compared["AgedReceivablesByContact"] > 0 and compared["AgedPayablesByContact"] > 0


def test_taking_a_date_again_replaces_its_snapshot(
        snapped: tuple[Sandbox, SqlWarehouse]) -> None:
    sandbox, warehouse = snapped
    before = (count(warehouse, "report_snapshots"), count(warehouse, "report_snapshot_lines"))
    tenant = next(iter(sandbox.state.tenant_names))
    take_snapshots(warehouse, tenant, dates_of(sandbox)[:1], fetcher(sandbox, tenant),
                   {"aged_contacts": 5})
    assert (count(warehouse, "report_snapshots"),
            count(warehouse, "report_snapshot_lines")) == before


def test_a_mid_month_balance_sheet_is_compared_at_the_month_end(
        snapped: tuple[Sandbox, SqlWarehouse]) -> None:
    """Xero's balance sheet is as at the end of the date's month, whatever day is asked."""
    sandbox, warehouse = snapped
    tenant = next(iter(sandbox.state.tenant_names))
    posted = sorted({from_ms(parse_ms(str(j["JournalDate"])) or 0).date()
                     for j in sandbox.state.truth(tenant, "Journals")})
    later = next(d for d in reversed(posted) if d.day > 1 and d < date(2026, 6, 1))
    mid = later - timedelta(days=1)  # something is posted after it, in its month
    take_snapshots(warehouse, tenant, [mid], fetcher(sandbox, tenant),
                   {"reports": ["BalanceSheet"]})
    found, compared = snapshots.differences(warehouse, tenant, mid)
    assert compared == {"BalanceSheet": 1} and found == []
    at_mid = reporting.run_report(warehouse, "balance_sheet", tenant, mid)
    at_end = reporting.run_report(warehouse, "balance_sheet", tenant, snapshots.month_end(mid))
    warehouse.connection.commit()
    def amounts(rows: list[dict[str, Any]]) -> dict[str, int]:
        return {str(row["account_id"]).lower(): snapshots.cents(row["amount"]) for row in rows}

    assert amounts(at_mid) != amounts(at_end)  # so comparing at ``mid`` would differ


def test_an_altered_warehouse_row_shows_up_as_a_difference(
        snapped: tuple[Sandbox, SqlWarehouse]) -> None:
    sandbox, warehouse = snapped
    tenant = next(iter(sandbox.state.tenant_names))
    as_at = dates_of(sandbox)[1]
    cursor = warehouse.connection.cursor()
    lines, journals = warehouse.table("journal_lines"), warehouse.table("journals")
    m = warehouse.sql.marker
    cursor.execute(
        f"SELECT l.journal_id, l.journal_line_id, l.account_id, l.net_amount FROM {lines} AS l "  # noqa: S608
        f"JOIN {journals} AS j ON j.tenant_id = l.tenant_id AND j.journal_id = l.journal_id "
        f"WHERE l.tenant_id = {m} AND j.journal_date >= {m} AND j.journal_date <= {m} "
        "ORDER BY j.journal_date, l.journal_line_id",
        (tenant, as_at.replace(day=1).isoformat(), as_at.isoformat()))
    journal_id, line_id, account_id, net = cursor.fetchone()
    changed = Decimal(str(net)) + Decimal("1.00")
    update = (f"UPDATE {lines} SET net_amount = {m} WHERE tenant_id = {m} "  # noqa: S608
              f"AND journal_id = {m} AND journal_line_id = {m}")
    value: Any = str(changed) if warehouse.dialect == "sqlite" else changed
    cursor.execute(update, (value, tenant, journal_id, line_id))
    warehouse.connection.commit()
    try:
        found, _ = snapshots.differences(warehouse, tenant, as_at)
    finally:
        cursor.execute(update, (str(net) if warehouse.dialect == "sqlite" else net, tenant,
                                journal_id, line_id))
        warehouse.connection.commit()
    account = str(account_id).lower()
    assert any(d.report_name == "TrialBalance" and account in d.item
               and d.layer - d.xero == 100 for d in found), found
    assert any(d.report_name == "TrialBalance" and "total" in d.item for d in found), found
    assert {d.report_name for d in found} >= {"TrialBalance", "BalanceSheet"}
    assert snapshots.differences(warehouse, tenant, as_at)[0] == []  # restored: equal again


def test_the_daily_ledger_follows_deleted_lines(snapped: tuple[Sandbox, SqlWarehouse]) -> None:
    """Deleting a journal's lines takes them out of the trial balance at once (the triggers
    that keep ``ledger_daily``; on SQL Server the report sums the lines)."""
    sandbox, warehouse = snapped
    tenant = next(iter(sandbox.state.tenant_names))
    as_at = dates_of(sandbox)[1]
    m = warehouse.sql.marker
    lines, journals = warehouse.table("journal_lines"), warehouse.table("journals")
    cursor = warehouse.connection.cursor()
    cursor.execute(f"SELECT l.journal_id FROM {lines} AS l JOIN {journals} AS j "  # noqa: S608
                   "ON j.tenant_id = l.tenant_id AND j.journal_id = l.journal_id "
                   f"WHERE l.tenant_id = {m} AND j.journal_date <= {m} "
                   "ORDER BY j.journal_date DESC, l.journal_id", (tenant, as_at.isoformat()))
    journal_id = cursor.fetchone()[0]
    cursor.execute(f"SELECT account_id, net_amount FROM {lines} "  # noqa: S608
                   f"WHERE tenant_id = {m} AND journal_id = {m}", (tenant, journal_id))
    removed: dict[str, int] = {}
    for account, net in cursor.fetchall():
        key = str(account).lower()
        removed[key] = removed.get(key, 0) + snapshots.cents(net)
    before = {str(r["account_id"]).lower(): snapshots.cents(r["ytd_net"])
              for r in reporting.run_report(warehouse, "trial_balance", tenant, as_at)}
    cursor.execute(f"DELETE FROM {lines} WHERE tenant_id = {m} AND journal_id = {m}",  # noqa: S608
                   (tenant, journal_id))
    try:
        after = {str(r["account_id"]).lower(): snapshots.cents(r["ytd_net"])
                 for r in reporting.run_report(warehouse, "trial_balance", tenant, as_at)}
    finally:
        warehouse.connection.rollback()
    assert any(removed.values())
    changed = {k for k in before.keys() | after.keys() if before.get(k, 0) != after.get(k, 0)}
    assert changed == {k for k, v in removed.items() if v}
    for key in changed:
        assert before.get(key, 0) - after.get(key, 0) == removed[key]


# -- the DAG's tasks, through the hook, without Journals --------------------------------------


@pytest.fixture
def connected(sandbox: Sandbox, tmp_path: Path,
              monkeypatch: pytest.MonkeyPatch) -> Iterator[Scratch]:
    """A worker's connections: an app granted the reports scopes (granular, one per report)
    and the documents' scopes, but not Journals; the warehouse holds every source but the
    journals, as the syncs of such an app leave it."""
    sandbox.state.reset(identity=True, clock=True)
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("XERO_SYNC_FERNET_KEY", key)
    scopes = ("offline_access", "accounting.settings.read", "accounting.contacts.read",
              "accounting.invoices.read", "accounting.payments.read",
              *dict.fromkeys(need.granular for need in REPORT_SCOPES.values()))
    config = sandbox.state.config
    monkeypatch.setenv("AIRFLOW_CONN_XERO_DEFAULT", json.dumps({
        "conn_type": "xero", "login": config.client_id, "password": config.client_secret,
        "extra": {"api_url": sandbox.url, "identity_url": sandbox.url,
                  "login_url": sandbox.url, "scopes": " ".join(scopes)}}))
    scratch = next(sqlite_scratch(tmp_path))
    database = scratch.target.database
    monkeypatch.setenv("AIRFLOW_CONN_XERO_WAREHOUSE", json.dumps(
        {"conn_type": "sqlite", "host": database}))
    store = token_store(WarehouseTarget("sqlite", database), TokenCipher(key))
    connect_app(sandbox, sandbox_settings(sandbox, scopes=scopes), store)
    warehouse = scratch.open()
    warehouse.ensure_tables(reporting.source_mappings())
    reporting.ensure_layer(warehouse)
    journals_free = SimpleNamespace(state=SimpleNamespace(
        tenant_names=sandbox.state.tenant_names,
        truth=lambda tenant, collection: ([] if collection == "Journals"
                                          else sandbox.state.truth(tenant, collection))))
    load_sandbox(journals_free, warehouse)  # type: ignore[arg-type]
    yield scratch
    scratch.close_all()


def test_the_dag_snapshots_without_journals_and_checks_the_aged_reports(
        sandbox: Sandbox, connected: Scratch, caplog: pytest.LogCaptureFixture) -> None:
    organisations = [{"tenant_id": t, "name": t} for t in sandbox.state.tenant_names]
    day = dates_of(sandbox)[-1]
    context = {"params": {"aged_contacts": 3}, "dag_run": SimpleNamespace(run_id="manual__1"),
               "data_interval_end": day}
    results = snapshot_organisations(organisations, context)
    assert [r["snapshots"] > 3 for r in results] == [True] * len(organisations)
    with caplog.at_level(logging.WARNING):
        outcome = check_organisations([organisations], context)
    assert outcome["differences"] == 0 and outcome["snapshots_compared"] > 0
    assert "no journals synced" in caplog.text
    warehouse = connected.open()
    assert count(warehouse, "report_snapshots") == sum(r["snapshots"] for r in results)
    # The ledger reports are Xero's figures all the same, kept for the user to rely on.
    cursor = warehouse.connection.cursor()
    cursor.execute(f"SELECT DISTINCT report_name FROM {warehouse.table('report_snapshots')}")  # noqa: S608
    assert {row[0] for row in cursor.fetchall()} == set(snapshots.SNAPSHOT_REPORTS)


def test_the_check_fails_naming_each_difference(
        sandbox: Sandbox, connected: Scratch, caplog: pytest.LogCaptureFixture) -> None:
    organisations = [{"tenant_id": t, "name": t} for t in sandbox.state.tenant_names]
    context = {"params": {"aged_contacts": 3, "reports": ["AgedReceivablesByContact"]},
               "dag_run": SimpleNamespace(run_id="manual__2"),
               "data_interval_end": dates_of(sandbox)[-1]}
    snapshot_organisations(organisations, context)
    warehouse = connected.open()
    cursor = warehouse.connection.cursor()
    cursor.execute(f"UPDATE {warehouse.table('report_snapshot_lines')} SET amount = '12345.67' "  # noqa: S608
                   "WHERE item_id IS NOT NULL AND column_no = 7")
    assert cursor.rowcount > 0
    warehouse.connection.commit()
    with caplog.at_level(logging.ERROR), pytest.raises(ReportDifferences, match="difference"):
        check_organisations([organisations], context)
    assert "DIFFERENCE" in caplog.text and "Xero 12345.67" in caplog.text


def test_a_granular_report_scope_reads_its_report_only(sandbox: Sandbox) -> None:
    """Apps created since March 2026 ask for a scope per report (what the default asks)."""
    client = SandboxClient(sandbox)
    sandbox.state.reset(identity=True, clock=True)
    token = str(client.authorize("offline_access accounting.reports.trialbalance.read")[
        "access_token"])
    tenant = next(iter(sandbox.state.tenant_names))
    day = {"date": "2026-03-31"}
    allowed = client.api("/api.xro/2.0/Reports/TrialBalance", token, tenant=tenant, params=day)
    refused = client.api("/api.xro/2.0/Reports/BalanceSheet", token, tenant=tenant, params=day)
    assert allowed.status_code == 200, allowed.text
    assert refused.status_code == 401
    assert "insufficient_scope" in refused.headers.get("WWW-Authenticate", "")
