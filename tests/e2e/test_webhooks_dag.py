"""The invoices DAG, run by Airflow (``dag.test()``) as its webhook asset would run it: only the
organisation with pending events, only the changed invoice, read by id, its event processed.

The sandbox posts the event to our receiver, which stores it in the deployment's warehouse;
the run is asked for with ``webhook_events`` (what an asset-triggered run does), since no
triggerer runs here. ``make bench`` measures the same path with a real scheduler and
triggerer, from the change in the sandbox to the row.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from cryptography.fernet import Fernet

from tests.e2e.support import Deployment, deployment, read_rows
from tests.webhooks.conftest import HANDLED, KEY, wait_for
from xero_sandbox.server import Sandbox
from xero_sandbox.state import SandboxConfig
from xero_sync.warehouse.dbapi import WarehouseTarget
from xero_sync.warehouse.events import WebhookEventStore
from xero_sync.warehouse.factory import warehouse_for
from xero_sync.webhooks.receiver import EventSink, Receiver, ReceiverServer

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Deployment, Sandbox]]:
    home: Path = tmp_path_factory.mktemp("webhooks_dag")
    with Sandbox(SandboxConfig(seed=23, tenants=2, scale=80, auto_consent=True)) as sandbox:
        made = deployment(home, sandbox, "sqlite", Fernet.generate_key().decode())
        made.airflow("db", "migrate")
        made.airflow("pools", "set", "xero_api", "5", "Xero's concurrent limit")
        made.authorize()
        yield made, sandbox


def test_a_webhook_run_of_the_dag_reads_only_the_changed_invoice(
        deployed: tuple[Deployment, Sandbox]) -> None:
    made, sandbox = deployed
    target = WarehouseTarget("sqlite", made.warehouse_location)
    sink = EventSink(lambda: warehouse_for(target))
    tenants = list(sandbox.state.tenant_names)
    with ReceiverServer(Receiver(KEY, sink, HANDLED)) as receiver:
        subscribed = requests.post(f"{sandbox.url}/_sandbox/webhooks", timeout=30, json={
            "url": receiver.url, "key": KEY, "batch_seconds": 0.2}).json()
        assert subscribed["intent_to_receive"]["passed"]
        edited = requests.post(f"{sandbox.url}/_sandbox/edit", timeout=30, json={
            "tenant": tenants[0], "object": "Invoices",
            "fields": {"Reference": "Changed in Xero a moment ago"}}).json()
        wait_for(lambda: receiver.receiver.stats["events_stored"], what="the stored event")

    (run,) = made.run_dags(only=["xero__invoices"], conf={"webhook_events": True})

    rows = read_rows(made, "invoices", tenants[0])
    assert [(r["invoice_id"], r["reference"]) for r in rows] == [
        (edited["id"], "Changed in Xero a moment ago")]
    assert read_rows(made, "invoices", tenants[1]) == []  # no events: not synced at all
    runs = read_rows(made, "_sync_runs", tenants[0])
    assert [(r["run_id"], r["calls"], r["status"]) for r in runs] == [
        (run["run_id"], 1, "success")]
    warehouse = warehouse_for(target)
    try:
        (status,) = WebhookEventStore(warehouse).status()
        assert (status.received, status.processed, status.pending) == (1, 1, 0)
    finally:
        warehouse.close()
