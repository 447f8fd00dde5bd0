"""Webhook events in the warehouse (``warehouse/events.py``): stored once however often Xero
delivers them, marked processed in the same transaction as the rows of their records (or
settled by a scheduled run), counted per organisation in ``_webhook_status``. Their T-SQL is
part of ``tsql.control_statements``: golden files and parsing in ``test_tsql.py``.
``test_webhook_events_mssql.py`` runs these tests on SQL Server when ``XERO_SYNC_TEST_MSSQL``
is set."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.warehouse.conftest import TENANT
from tests.warehouse.support import (
    Budget,
    FailingConnection,
    InjectedFailure,
    Scratch,
    table_rows,
)
from xero_sync.mapping import ObjectMapping
from xero_sync.transform import transform
from xero_sync.warehouse.base import RunContext
from xero_sync.warehouse.events import (
    WebhookEvent,
    WebhookEventStore,
    mark_processed,
)
from xero_sync.warehouse.sqlbase import SqlWarehouse

OTHER_TENANT = "0f0e0d0c-0b0a-4909-8807-060504030201"
NOW = datetime(2026, 3, 1, 12, 0, 0)


def event(resource_id: str, tenant: str = TENANT, category: str = "INVOICE",
          event_type: str = "UPDATE", at: datetime = NOW) -> WebhookEvent:
    payload = {"resourceId": resource_id, "tenantId": tenant, "eventCategory": category,
               "eventType": event_type, "eventDateUtc": at.isoformat(timespec="milliseconds")}
    return WebhookEvent(tenant, category, event_type, resource_id, at, json.dumps(payload))


def ids(count: int) -> list[str]:
    return [str(uuid.UUID(int=n + 1)) for n in range(count)]


@pytest.fixture
def store(scratch: Scratch) -> WebhookEventStore:
    warehouse = scratch.open()
    warehouse.ensure_tables([])
    return WebhookEventStore(warehouse)


def status_of(store: WebhookEventStore) -> dict[tuple[str, str], tuple[int, int, int]]:
    return {(s.tenant_id, s.category): (s.received, s.processed, s.pending)
            for s in store.status()}


# -- storing -----------------------------------------------------------------------------------

def test_an_event_delivered_again_is_stored_once(store: WebhookEventStore) -> None:
    events = [event(i) for i in ids(3)]
    assert store.store(events, NOW) == 3
    assert store.store([events[1], events[1], event(ids(4)[3])], NOW + timedelta(seconds=5)) == 1
    assert store.store(events, NOW + timedelta(minutes=5)) == 0
    assert len(table_rows(store.warehouse, "_webhook_events")) == 4
    stored = table_rows(store.warehouse, "_webhook_events", TENANT,
                        ["resource_id", "received_at"])
    assert stored[1] == (ids(3)[1], "2026-03-01 12:00:00.000")  # the first receipt kept


def test_the_same_record_changed_twice_is_two_events(store: WebhookEventStore) -> None:
    first, second = event(ids(1)[0]), event(ids(1)[0], at=NOW + timedelta(seconds=1))
    assert first.event_key != second.event_key
    assert store.store([first, second], NOW) == 2


def test_pending_events_per_organisation_and_category(store: WebhookEventStore) -> None:
    store.store([event(i) for i in ids(2)], NOW)
    store.store([event(ids(3)[2], tenant=OTHER_TENANT), event(ids(1)[0], category="CONTACT")],
                NOW + timedelta(seconds=1))
    pending = store.pending(TENANT, "INVOICE")
    assert sorted(p.resource_id for p in pending) == ids(2)
    assert store.summary("INVOICE").count == 3
    assert store.summary("INVOICE").oldest_received == NOW
    assert store.summary("INVOICE").newest_received == NOW + timedelta(seconds=1)
    assert store.summary("CREDITNOTE").count == 0


# -- processing --------------------------------------------------------------------------------

def test_events_are_marked_processed_in_the_load_of_their_records(
        scratch: Scratch, invoices_mapping: ObjectMapping, invoices: list[dict[str, Any]]) -> None:
    warehouse = scratch.open()
    warehouse.ensure_tables([invoices_mapping])
    store = WebhookEventStore(warehouse)
    changed = invoices[:3]
    store.store([event(r["InvoiceID"]) for r in changed], NOW)
    keys = [p.event_key for p in store.pending(TENANT, "INVOICE")]
    run = RunContext("asset_triggered__1", NOW + timedelta(seconds=2))
    warehouse.load(transform(invoices_mapping, TENANT, changed), run, None, keys)
    assert store.pending(TENANT, "INVOICE") == []
    assert status_of(store) == {(TENANT, "INVOICE"): (3, 3, 0)}
    assert {row[0] for row in table_rows(warehouse, "_webhook_events", TENANT, ["run_id"])} == {
        "asset_triggered__1"}
    assert len(table_rows(warehouse, "invoices", TENANT)) == 3
    assert warehouse.read_state(invoices_mapping, TENANT).watermark_ts is None


def test_marking_by_key_marks_only_those_events(store: WebhookEventStore) -> None:
    store.store([event(i) for i in ids(3)], NOW)
    store.store([event(ids(1)[0], tenant=OTHER_TENANT)], NOW)
    chosen = [p.event_key for p in store.pending(TENANT, "INVOICE")][:2]
    with store.warehouse.transaction("mark", "test") as cursor:
        mark_processed(store.warehouse, cursor, TENANT, chosen, "asset_triggered__1", NOW)
    assert len(store.pending(TENANT, "INVOICE")) == 1
    assert status_of(store) == {(TENANT, "INVOICE"): (3, 2, 1),
                                (OTHER_TENANT, "INVOICE"): (1, 0, 1)}


class FailAtCommitAfterMarking(Budget):
    """Fails the commit of the transaction that marked webhook events processed."""

    marked = False

    def tick(self, what: str) -> bool:
        self.count += 1
        self.marked = self.marked or ("_webhook_events" in what and "UPDATE" in what.upper())
        if what == "COMMIT" and self.marked and not self.fired:
            self.fired = True
            return True
        return False


def test_a_failed_load_leaves_its_events_pending(
        scratch: Scratch, invoices_mapping: ObjectMapping, invoices: list[dict[str, Any]]) -> None:
    warehouse = scratch.open()
    warehouse.ensure_tables([invoices_mapping])
    store = WebhookEventStore(warehouse)
    store.store([event(invoices[0]["InvoiceID"])], NOW)
    keys = [p.event_key for p in store.pending(TENANT, "INVOICE")]
    budget = FailAtCommitAfterMarking()
    failing = scratch.open(lambda connection: FailingConnection(connection, budget))
    with pytest.raises(InjectedFailure):
        failing.load(transform(invoices_mapping, TENANT, invoices[:1]),
                     RunContext("asset_triggered__1", NOW), None, keys)
    assert budget.fired
    assert [p.event_key for p in store.pending(TENANT, "INVOICE")] == keys
    assert table_rows(warehouse, "invoices", TENANT) == []


def test_a_scheduled_run_settles_what_was_received_before_it_started(
        store: WebhookEventStore) -> None:
    store.store([event(i) for i in ids(2)], NOW)
    store.store([event(ids(3)[2])], NOW + timedelta(minutes=2))
    store.store([event(ids(1)[0], tenant=OTHER_TENANT)], NOW)
    settled = store.warehouse.settle_webhook_events(TENANT, "INVOICE",
                                                    NOW + timedelta(minutes=1), "scheduled__1")
    assert settled == 2
    assert [p.resource_id for p in store.pending(TENANT, "INVOICE")] == [ids(3)[2]]
    assert status_of(store)[(OTHER_TENANT, "INVOICE")] == (1, 0, 1)


def test_status_shows_the_age_of_the_oldest_pending_event(store: WebhookEventStore) -> None:
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    store.store([event(ids(1)[0], at=now)], now - timedelta(seconds=90))
    store.store([event(ids(2)[1], at=now)], now - timedelta(seconds=10))
    (row,) = store.status()
    assert (row.received, row.processed, row.pending) == (2, 0, 2)
    assert row.oldest_pending_seconds is not None and 85 <= row.oldest_pending_seconds <= 600
    assert row.last_received_at == now - timedelta(seconds=10)


def test_processed_events_are_pruned_after_their_retention(store: WebhookEventStore) -> None:
    store.store([event(i) for i in ids(2)], NOW - timedelta(days=40))
    store.store([event(ids(3)[2])], NOW)
    store.warehouse.settle_webhook_events(TENANT, "INVOICE", NOW - timedelta(days=1), "run")
    assert store.prune(timedelta(days=30), NOW) == 2
    assert status_of(store) == {(TENANT, "INVOICE"): (1, 0, 1)}


def test_the_status_view_is_created_once(scratch: Scratch) -> None:
    first = scratch.open()
    first.ensure_tables([])
    second = scratch.open()
    second.ensure_tables([])  # the view exists: left as it is
    assert WebhookEventStore(second).status() == []


def test_warehouses_keep_the_store_usable_across_connections(scratch: Scratch) -> None:
    writer: SqlWarehouse = scratch.open()
    writer.ensure_tables([])
    WebhookEventStore(writer).store([event(ids(1)[0])], NOW)
    reader = WebhookEventStore(scratch.open())
    assert [p.resource_id for p in reader.pending(TENANT, "INVOICE")] == ids(1)
