"""What a data engineer reads in a sync task's log: sentences, and on a failure what to do
first, on its own line. Through the tasks the DAGs run (``resolve_tenants``, ``sync_tenant``),
against the sandbox, with the connections as a deployment has them."""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from airflow.sdk.api.datamodels._generated import DagRunType

from xero_sandbox.server import Sandbox
from xero_sync.errors import NoOrganisationsConnected, ReauthorizationRequired
from xero_sync.hooks.xero import XeroHook
from xero_sync.mapping import load_mapping
from xero_sync.tasks import resolve_tenants, sync_tenant
from xero_sync.warehouse.base import RunLocked
from xero_sync.warehouse.factory import open_warehouse

INVOICES = load_mapping(Path(__file__).resolve().parents[2] / "include/mappings/invoices.yaml")
COMMAND = "python -m xero_sync.auth authorize --conn-id xero_default"
NUMBER = r"\d{1,3}(,\d{3})*"  # a count as the log writes it: 4,990


def manual_run() -> dict[str, Any]:
    """What the Task SDK hands the sync task of a manual run without params."""
    return {"params": {}, "dag_run": SimpleNamespace(run_id="manual__1",
                                                     run_type=DagRunType.MANUAL),
            "data_interval_start": None, "data_interval_end": None}


def messages(caplog: pytest.LogCaptureFixture, level: int = logging.INFO) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name.startswith("xero_sync") and r.levelno >= level]


def error_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The lines of the one error the task logged."""
    (failure,) = messages(caplog, logging.ERROR)
    return failure.splitlines()


def test_a_sync_reads_as_sentences(hook: XeroHook, two_orgs: Sandbox,
                                   caplog: pytest.LogCaptureFixture) -> None:
    tenant = next(iter(two_orgs.state.tenant_names))
    total = len(two_orgs.state.truth(tenant, "Invoices"))
    with caplog.at_level(logging.INFO, logger="xero_sync"):
        result = sync_tenant(INVOICES, tenant, manual_run())
    lines = messages(caplog)
    who = re.escape(f"invoices for organisation {tenant}")
    assert f"invoices for organisation {tenant}: reading every record (no watermark yet)" in lines

    pages = [line for line in lines if re.match(f"{who}: page ", line)]
    assert len(pages) == result["pages"] == -(-total // 1000)
    read = 0
    for number, line in enumerate(pages, start=1):
        page = re.fullmatch(
            rf"{who}: page {number} of {len(pages)} read, (?P<records>{NUMBER}) records; "
            rf"Xero allows {NUMBER} more calls this minute and {NUMBER} today", line)
        assert page, line
        read += int(page["records"].replace(",", ""))
    assert read == total  # (a record read twice where keyset pages meet is counted once)

    assert result["inserted"] == total
    stored = re.escape(f"{total:,} records stored ({total:,} new, 0 changed), 0 already up to "
                       f"date, {result['deleted']:,} marked deleted, 0 quarantined, ")
    children = rf"{NUMBER} child rows written"
    commits = [re.fullmatch(
        rf"{who}: (?P<stored>{NUMBER}) records stored \((?P=stored) new, 0 changed\), 0 already "
        rf"up to date, {NUMBER} marked deleted, 0 quarantined, {children}; committed", line)
        for line in lines if line.endswith("; committed")]
    assert commits and all(commits), lines  # a commit every 500 records, each in words
    assert sum(int(c["stored"].replace(",", "")) for c in commits if c) == total
    (done,) = [line for line in lines if re.match(f"{who}: done", line)]
    assert re.fullmatch(rf"{who}: done in \d+\.\d s, {len(pages)} pages read with "
                        rf"{result['calls']} calls to Xero; {stored}{children}; 0 waiting in "
                        "quarantine", done), done
    assert not [line for line in lines if "/?" in line or "LoadCounts(" in line]


def test_a_failed_sync_says_what_to_do_first(hook: XeroHook, two_orgs: Sandbox, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch,
                                             caplog: pytest.LogCaptureFixture) -> None:
    tenant = next(iter(two_orgs.state.tenant_names))
    monkeypatch.setenv("AIRFLOW_CONN_XERO_WAREHOUSE", json.dumps(  # authorize never ran here
        {"conn_type": "sqlite", "host": str(tmp_path / "new.db")}))
    with caplog.at_level(logging.INFO, logger="xero_sync"), \
            pytest.raises(ReauthorizationRequired) as raised:
        sync_tenant(INVOICES, tenant, manual_run())
    fix, happened = error_lines(caplog)
    assert fix == f"Connect the app first: run {COMMAND}"
    assert happened.startswith(f"invoices for organisation {tenant} failed: "
                               "ReauthorizationRequired: no Xero tokens are stored for app ")
    assert str(raised.value).splitlines()[0] == fix  # first at the traceback's foot as well


def test_every_organisation_disconnected_says_what_to_do_first(
        hook: XeroHook, two_orgs: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    identity, app = two_orgs.state.identity, two_orgs.state.config.client_id
    for connection in identity.connections_for(app):
        identity.disconnect(app, connection.id)
    with caplog.at_level(logging.INFO, logger="xero_sync"), \
            pytest.raises(NoOrganisationsConnected):
        resolve_tenants(None)
    fix, happened = error_lines(caplog)
    assert fix == f"Connect them again: run {COMMAND} and choose the organisations."
    assert happened.startswith("finding the organisations to sync failed: "
                               "NoOrganisationsConnected: no Xero organisation is connected")


def test_an_error_without_a_fix_of_its_own_gives_its_kinds(
        hook: XeroHook, two_orgs: Sandbox, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    tenant = next(iter(two_orgs.state.tenant_names))
    monkeypatch.setenv("XERO_SYNC_RUN_LOCK_WAIT_SECONDS", "0")
    holder = open_warehouse(hook.warehouse_conn_id)
    holder.ensure_tables([INVOICES])
    try:
        with holder.run_lock(INVOICES.name, tenant, "scheduled__1", timedelta(0)), \
                caplog.at_level(logging.INFO, logger="xero_sync"), pytest.raises(RunLocked):
            sync_tenant(INVOICES, tenant, manual_run())
    finally:
        holder.close()
    fix, happened = error_lines(caplog)
    assert fix == RunLocked.fix
    assert fix.startswith("Nothing to do: Airflow retries this task")
    assert happened.startswith(f"invoices for organisation {tenant} failed: RunLocked: ")
