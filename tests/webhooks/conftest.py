"""The sandbox sending webhooks, our receiver storing them in an SQLite warehouse, and a
connected client reading the sandbox: the webhook path end to end, in one process."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.fernet import Fernet

from tests.auth.conftest import connect_app, sandbox_clock, sandbox_settings
from xero_sandbox.server import Sandbox
from xero_sandbox.state import SandboxConfig
from xero_sync.auth.crypto import TokenCipher
from xero_sync.auth.oauth import TokenManager
from xero_sync.auth.token_store import token_store
from xero_sync.client import RetryPolicy, XeroClient
from xero_sync.extract import ExtractSpec, Page, extract, extract_ids
from xero_sync.mapping import ObjectMapping, load_mappings
from xero_sync.warehouse.dbapi import WarehouseTarget
from xero_sync.warehouse.events import WebhookEventStore
from xero_sync.warehouse.factory import warehouse_for
from xero_sync.warehouse.sqlbase import SqlWarehouse
from xero_sync.webhooks.receiver import EventSink, Receiver, ReceiverServer

ROOT = Path(__file__).resolve().parents[2]
MAPPINGS = {m.name: m for m in load_mappings(ROOT / "include" / "mappings")}
HANDLED = {m.webhooks: m.name for m in MAPPINGS.values() if m.webhooks}
KEY = "test-webhook-key-0123456789+/="
SCOPES = ("offline_access", "accounting.settings.read", "accounting.contacts.read",
          "accounting.transactions.read")
NO_WAIT = RetryPolicy(backoff_base=0.0, backoff_max=0.0, max_attempts=5)


class Source:
    """What a task's XeroHook gives the runs: pages by strategy, and records by id."""

    def __init__(self, client: XeroClient) -> None:
        self.client = client

    def extract(self, spec: ExtractSpec, tenant_id: str, since: datetime | None = None,
                offset: int | None = None) -> Iterator[Page]:
        return extract(self.client, spec, tenant_id, since, offset)

    def extract_ids(self, spec: ExtractSpec, tenant_id: str, ids: list[str]) -> Iterator[Page]:
        return extract_ids(self.client, spec, tenant_id, ids)


class World:
    """The sandbox, the warehouse file, a client, and helpers to watch them."""

    def __init__(self, sandbox: Sandbox, database: Path, client: XeroClient) -> None:
        self.sandbox = sandbox
        self.database = database
        self.client = client
        self.source = Source(client)
        self.tenants = list(sandbox.state.tenant_names)
        self.opened: list[SqlWarehouse] = []

    def warehouse(self) -> SqlWarehouse:
        """A new connection to the warehouse (tables of the three webhook objects)."""
        opened = warehouse_for(WarehouseTarget("sqlite", str(self.database)))
        opened.ensure_tables([MAPPINGS[name] for name in HANDLED.values()])
        self.opened.append(opened)
        return opened

    def receiver(self, port: int = 0, sink: EventSink | None = None) -> ReceiverServer:
        """Our receiver on this warehouse (not started)."""
        sink = sink or EventSink(lambda: warehouse_for(
            WarehouseTarget("sqlite", str(self.database))))
        return ReceiverServer(Receiver(KEY, sink, HANDLED), port=port)

    def admin(self, method: str, name: str, **kwargs: Any) -> Any:
        reply = requests.request(method, f"{self.sandbox.url}/_sandbox/{name}", timeout=60,
                                 **kwargs)
        assert reply.status_code == 200, reply.text
        return reply.json()

    def subscribe(self, url: str, **options: Any) -> dict[str, Any]:
        body = {"url": url, "key": KEY, "batch_seconds": 0.2, **options}
        return dict(self.admin("POST", "webhooks", json=body))

    def edit(self, key: str = "Invoices", tenant: int = 0, **body: Any) -> dict[str, Any]:
        return dict(self.admin("POST", "edit", json={"tenant": self.tenants[tenant],
                                                     "object": key, **body}))

    def stored(self, category: str = "INVOICE", tenant: int = 0) -> list[str]:
        """Resource ids of the pending events, by the receiver's warehouse."""
        store = WebhookEventStore(self.warehouse())
        return [e.resource_id for e in store.pending(self.tenants[tenant], category)]

    def request_mark(self) -> int:
        """How many API requests the sandbox has seen so far."""
        logged = self.admin("GET", "requests")
        return int(logged["dropped"]) + len(logged["requests"])

    def requests_to(self, resource: str, since: int = 0) -> list[dict[str, Any]]:
        """The requests to a resource after ``request_mark`` said ``since``."""
        logged = self.admin("GET", "requests")
        kept = logged["requests"][max(0, since - int(logged["dropped"])):]
        return [r for r in kept if r["path"].endswith(f"/{resource}")]

    def row(self, mapping: ObjectMapping, record_id: str, column: str) -> Any:
        warehouse = self.warehouse()
        cursor = warehouse.connection.cursor()
        cursor.execute(f'SELECT "{column}" FROM {warehouse.table(mapping.table)} '  # noqa: S608
                       f'WHERE "{mapping.key_column}" = ?', (record_id,))
        found = cursor.fetchone()
        return None if found is None else found[0]

    def close(self) -> None:
        for opened in self.opened:
            opened.close()


def wait_for(condition: Callable[[], Any], seconds: float = 15, what: str = "it") -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}")


def post(url: str, body: bytes, signature: str | None, **headers: str) -> requests.Response:
    sent = {"Content-Type": "application/json", **headers}
    if signature is not None:
        sent["x-xero-signature"] = signature
    return requests.post(url, data=body, headers=sent, timeout=10)


def payload(*events: dict[str, Any]) -> bytes:
    return json.dumps({"events": list(events), "firstEventSequence": 1,
                       "lastEventSequence": len(events), "entropy": "ABCDEFGHIJ"}).encode()


@pytest.fixture(scope="session")
def webhook_sandbox() -> Iterator[Sandbox]:
    """Two small organisations."""
    with Sandbox(SandboxConfig(seed=17, tenants=2, scale=150, auto_consent=True)) as running:
        yield running


@pytest.fixture
def world(webhook_sandbox: Sandbox, tmp_path: Path) -> Iterator[World]:
    """A freshly reset sandbox, an empty warehouse, a connected client."""
    webhook_sandbox.state.reset(identity=True, clock=True)
    settings = sandbox_settings(webhook_sandbox, scopes=SCOPES)
    database = tmp_path / "warehouse.db"
    store = token_store(WarehouseTarget("sqlite", str(database)),
                        TokenCipher(Fernet.generate_key().decode()))
    connect_app(webhook_sandbox, settings, store)
    manager = TokenManager(settings, store, clock=sandbox_clock(webhook_sandbox))
    made = World(webhook_sandbox, database, XeroClient(settings, manager, NO_WAIT))
    yield made
    made.close()


@pytest.fixture
def receiving(world: World) -> Iterator[ReceiverServer]:
    """Our receiver, started, and the sandbox subscribed to it (intent to receive passed)."""
    with world.receiver() as server:
        reply = world.subscribe(server.url)
        assert reply["intent_to_receive"]["passed"], reply
        yield server
