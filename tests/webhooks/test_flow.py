"""A change in the sandbox reaches the warehouse by the webhook path, and the scheduled path
still converges when the webhook path fails: the receiver down, Airflow down, an event lost.

Each test wires what production wires (sandbox → our receiver → ``_webhook_events`` → the
watcher's trigger → a webhook run reading by id → the warehouse), in one process; the DAG
around the run is in ``tests/e2e/test_webhooks_dag.py``, a real scheduler in ``make bench``.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from tests.webhooks.conftest import MAPPINGS, World, wait_for
from xero_sandbox.webhooks import RETRY_DELAYS
from xero_sync.client import CallCounter
from xero_sync.sync import SyncRequest, run_sync
from xero_sync.tasks import sync_changed
from xero_sync.warehouse.base import RunLocked
from xero_sync.warehouse.events import WebhookEventStore
from xero_sync.webhooks.changed import run_changed
from xero_sync.webhooks.receiver import ReceiverServer
from xero_sync.webhooks.trigger import PendingWebhookEvents

INVOICES, CONTACTS, CREDIT_NOTES = (MAPPINGS[n] for n in ("invoices", "contacts",
                                                          "credit_notes"))


def scheduled(world: World, mapping: Any = INVOICES, tenant: int = 0, run_id: str = "sched") -> Any:
    return run_sync(world.source, world.warehouse(),
                    SyncRequest(mapping, world.tenants[tenant], run_id))


def webhook_run(world: World, mapping: Any = INVOICES, tenant: int = 0,
                run_id: str = "asset_triggered__1") -> Any:
    return run_changed(world.source, world.warehouse(),
                       SyncRequest(mapping, world.tenants[tenant], run_id), world.client.counter)


def status(world: World) -> dict[tuple[str, str], tuple[int, int, int]]:
    return {(s.tenant_id, s.category): (s.received, s.processed, s.pending)
            for s in WebhookEventStore(world.warehouse()).status()}


def test_a_changed_invoice_is_read_by_id_and_landed(world: World,
                                                    receiving: ReceiverServer) -> None:
    scheduled(world)
    watermark = world.warehouse().read_state(INVOICES, world.tenants[0]).watermark_ts
    mark = world.request_mark()
    edited = world.edit(fields={"Reference": "Changed in Xero"})
    wait_for(world.stored, what="the event in the warehouse")

    outcome = webhook_run(world)

    assert world.row(INVOICES, edited["id"], "reference") == "Changed in Xero"
    assert (outcome.calls, outcome.counts.updated) == (1, 1)
    (asked,) = world.requests_to("Invoices", mark)
    assert asked["query"]["IDs"] == edited["id"] and asked["query"]["page"] == "1"
    assert asked["if_modified_since"] is None
    assert world.stored() == []  # processed, with the row
    assert status(world)[(world.tenants[0], "INVOICE")] == (1, 1, 0)
    after = world.warehouse().read_state(INVOICES, world.tenants[0]).watermark_ts
    assert after == watermark  # never moved by a read by id


def test_credit_notes_and_contacts_are_read_by_id_too(world: World,
                                                      receiving: ReceiverServer) -> None:
    note = world.edit("CreditNotes", fields={"Reference": "Credit changed"})
    contact = world.edit("Contacts", fields={"EmailAddress": "new@example.com"})
    wait_for(lambda: world.stored("CREDITNOTE") and world.stored("CONTACT"), what="events")
    webhook_run(world, CREDIT_NOTES)
    webhook_run(world, CONTACTS)
    assert world.row(CREDIT_NOTES, note["id"], "reference") == "Credit changed"
    assert world.row(CONTACTS, contact["id"], "email_address") == "new@example.com"
    (asked,) = world.requests_to("CreditNotes")
    assert asked["query"]["where"] == f'CreditNoteID==Guid("{note["id"]}")'


def test_a_burst_is_one_trigger_event_and_one_call(world: World, receiving: ReceiverServer,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_XERO_WAREHOUSE", json.dumps(
        {"conn_type": "sqlite", "host": str(world.database)}))
    trigger = PendingWebhookEvents("INVOICE", poll_seconds=0.05, min_gap_seconds=5)
    burst: list[dict[str, Any]] = []

    def edits_trickling_in() -> None:  # in several deliveries, while the trigger polls
        for n in range(12):
            burst.append(world.edit(tenant=n % 2))
            time.sleep(0.1)

    async def watch() -> list[Any]:
        events: AsyncIterator[Any] = trigger.run()
        burst.append(world.edit())
        fired = [await asyncio.wait_for(events.__anext__(), 20)]  # at once: a quiet period
        editor = threading.Thread(target=edits_trickling_in)
        editor.start()
        fired.append(await asyncio.wait_for(events.__anext__(), 20))
        editor.join()
        with pytest.raises(TimeoutError):  # nothing new: no more runs asked for
            await asyncio.wait_for(events.__anext__(), 3)
        await events.aclose()
        return fired

    first, second = asyncio.run(watch())
    assert first.payload["pending"] == 1
    assert second.payload["pending"] == 13  # the whole burst, once
    assert world.admin("GET", "webhooks")["stats"]["payloads"] > 2
    ids = {e["id"] for e in burst if e["tenant"] == world.tenants[0]}
    outcome = webhook_run(world)
    assert outcome.calls == 1 and outcome.counts.inserted == len(ids)
    assert world.stored() == []
    assert world.stored(tenant=1)  # the other organisation's events wait for its own run


def test_the_receiver_down_then_up_xero_retries_and_the_change_lands(world: World) -> None:
    with world.receiver() as probe:
        url = probe.url
        port = int(url.split(":")[2].split("/")[0])
    world.subscribe(url, validate=False)
    edited = world.edit(fields={"Reference": "While the receiver was down"})
    wait_for(lambda: world.admin("GET", "webhooks")["stats"].get("failures"),
             what="a failed delivery")
    assert world.stored() == []
    with world.receiver(port=port):
        world.admin("POST", "clock", json={"seconds": RETRY_DELAYS[0]})
        wait_for(world.stored, what="the retried delivery")
    stats = world.admin("GET", "stats")["webhooks"]
    assert stats["retries"] >= 1 and stats["delivered"] == 1
    webhook_run(world)
    assert world.row(INVOICES, edited["id"], "reference") == "While the receiver was down"


def test_airflow_down_the_events_wait_then_run(world: World, receiving: ReceiverServer,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    edited = [world.edit(fields={"Reference": f"Edit {n}"}) for n in range(3)]
    wait_for(lambda: len(world.stored()) == 3, what="three events")  # no triggerer runs
    monkeypatch.setenv("AIRFLOW_CONN_XERO_WAREHOUSE", json.dumps(
        {"conn_type": "sqlite", "host": str(world.database)}))

    async def first_event() -> Any:  # the triggerer starts again
        events = PendingWebhookEvents("INVOICE", poll_seconds=0.05).run()
        try:
            return await asyncio.wait_for(events.__anext__(), 20)
        finally:
            await events.aclose()

    assert asyncio.run(first_event()).payload["pending"] == 3
    webhook_run(world)
    for n, record in enumerate(edited):
        assert world.row(INVOICES, record["id"], "reference") == f"Edit {n}"


def test_a_lost_event_is_caught_by_the_scheduled_run(world: World) -> None:
    scheduled(world, run_id="sched-1")
    with world.receiver() as server:
        world.subscribe(server.url, lose_next=1)
        lost = world.edit(fields={"Reference": "Xero never told us"})
        told = world.edit(fields={"Reference": "Xero told us"})
        wait_for(lambda: world.stored() == [told["id"]], what="the one event sent")
    webhook_run(world)
    assert world.row(INVOICES, lost["id"], "reference") != "Xero never told us"
    scheduled(world, run_id="sched-2")
    assert world.row(INVOICES, lost["id"], "reference") == "Xero never told us"


def test_the_receiver_down_past_xeros_24_hours_the_schedule_still_converges(
        world: World) -> None:
    scheduled(world, run_id="sched-1")
    with world.receiver() as probe:
        dead = probe.url  # nothing listens there any more
    world.subscribe(dead, validate=False)
    edited = world.edit(fields={"Reference": "Sent to nobody"})
    wait_for(lambda: world.admin("GET", "webhooks")["stats"].get("failures"), what="a failure")
    for _ in range(30):
        if world.admin("GET", "webhooks")["subscription"]["status"] == "DISABLED":
            break
        world.admin("POST", "clock", json={"seconds": RETRY_DELAYS[-1]})
        time.sleep(0.3)
    assert world.admin("GET", "webhooks")["subscription"]["status"] == "DISABLED"
    assert world.stored() == []  # Xero gave up: no event ever arrives
    reconciled = run_sync(world.source, world.warehouse(),
                          SyncRequest(INVOICES, world.tenants[0], "reconcile", full_refresh=True))
    assert world.row(INVOICES, edited["id"], "reference") == "Sent to nobody"
    assert reconciled.counts.updated >= 1


def test_a_scheduled_run_settles_the_events_its_read_covered(
        world: World, receiving: ReceiverServer, monkeypatch: pytest.MonkeyPatch) -> None:
    world.edit()
    wait_for(world.stored, what="the event")
    monkeypatch.setattr("xero_sync.sync.SETTLE_MARGIN", timedelta(0))
    scheduled(world)
    assert world.stored() == []
    assert status(world)[(world.tenants[0], "INVOICE")] == (1, 1, 0)


def test_every_run_logs_the_organisations_webhook_counts(
        world: World, receiving: ReceiverServer, caplog: pytest.LogCaptureFixture) -> None:
    from xero_sync.tasks import report_webhooks

    world.edit()
    wait_for(world.stored, what="the event")
    with caplog.at_level("INFO", logger="xero_sync.tasks"):
        report_webhooks(world.warehouse(), INVOICES, world.tenants[0], prune=True)
    (line,) = [r.getMessage() for r in caplog.records if "webhook events (" in r.getMessage()]
    assert line.startswith(f"invoices for organisation {world.tenants[0]}: webhook events "
                           "(INVOICE): 1 received, 0 processed, 1 pending, oldest pending ")


def test_a_webhook_run_waits_for_a_running_sync_of_the_object(
        world: World, receiving: ReceiverServer) -> None:
    world.edit()
    wait_for(world.stored, what="the event")
    holder = world.warehouse()
    request = SyncRequest(INVOICES, world.tenants[0], "asset_triggered__1",
                          lock_wait=timedelta(0))
    with holder.run_lock(INVOICES.name, world.tenants[0], "scheduled__1", timedelta(0)), \
            pytest.raises(RunLocked):
        run_changed(world.source, world.warehouse(), request)
    assert world.stored()  # nothing read, nothing marked


def test_many_changes_are_read_incrementally_instead(world: World, receiving: ReceiverServer,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    scheduled(world)
    monkeypatch.setattr("xero_sync.sync.SETTLE_MARGIN", timedelta(0))
    monkeypatch.setattr("xero_sync.tasks.MAX_RECORDS_BY_ID", 2)
    for _ in range(3):
        world.edit()
    wait_for(lambda: len(world.stored()) == 3, what="three events")
    mark = world.request_mark()
    _, mode = sync_changed(world.source, world.warehouse(),  # type: ignore[arg-type]
                           SyncRequest(INVOICES, world.tenants[0], "asset_triggered__2"),
                           CallCounter())
    assert mode == "webhook, incremental"
    assert all("IDs" not in r["query"] for r in world.requests_to("Invoices", mark))
    assert world.stored() == []


def test_more_than_50_changed_records_are_read_50_a_call(world: World,
                                                        receiving: ReceiverServer) -> None:
    invoices = world.sandbox.state.truth(world.tenants[0], "Invoices")[:60]
    for invoice in invoices:
        world.edit(id=invoice["InvoiceID"])
    wait_for(lambda: len(world.stored()) == 60, what="60 events")
    mark = world.request_mark()
    outcome = webhook_run(world)
    asked = [r["query"]["IDs"].split(",") for r in world.requests_to("Invoices", mark)]
    assert [len(ids) for ids in asked] == [50, 10] and outcome.calls == 2
    assert sorted(i for ids in asked for i in ids) == sorted(i["InvoiceID"] for i in invoices)
    assert outcome.counts.inserted == 60 and world.stored() == []


def test_triggers_survive_a_warehouse_that_does_not_answer(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_XERO_WAREHOUSE", json.dumps(
        {"conn_type": "sqlite", "host": os.fspath(tmp_path / "missing" / "warehouse.db")}))

    async def nothing_fires() -> None:
        events = PendingWebhookEvents("INVOICE", poll_seconds=0.05).run()
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(events.__anext__(), 1)
        await events.aclose()

    asyncio.run(nothing_fires())
