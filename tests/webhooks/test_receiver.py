"""The receiver keeps Xero's contract (xero-api.md section 7): 401 and an empty body for a
wrong signature, 200 and an empty body once the events are committed, well within 5 seconds;
Xero's intent-to-receive check passes; anything else is refused without being stored."""

from __future__ import annotations

import json
import socket
import time
import uuid
from typing import Any

import pytest
import requests

from tests.webhooks.conftest import KEY, World, payload, post, wait_for
from xero_sync.warehouse.events import WebhookEventStore
from xero_sync.webhooks import signature
from xero_sync.webhooks.receiver import EventSink, ReceiverServer

TENANT = str(uuid.UUID(int=7))


def xero_event(resource: str, category: str = "INVOICE", tenant: str = TENANT,
               **changes: Any) -> dict[str, Any]:
    return {"resourceUrl": f"https://api.xero.com/api.xro/2.0/Invoices/{resource}",
            "resourceId": resource, "eventDateUtc": "2026-03-01T12:00:00.123",
            "eventType": "UPDATE", "eventCategory": category, "tenantId": tenant,
            "tenantType": "ORGANISATION", **changes}


def stored(world: World, category: str = "INVOICE") -> list[str]:
    return sorted(e.resource_id for e in WebhookEventStore(world.warehouse()).pending(
        TENANT, category))


@pytest.fixture
def server(world: World) -> Any:
    with world.receiver() as running:
        yield running


def test_a_correctly_signed_payload_is_stored_then_answered_200_with_nothing(
        world: World, server: ReceiverServer) -> None:
    resources = [str(uuid.UUID(int=n)) for n in (1, 2)]
    body = payload(*(xero_event(r) for r in resources))
    started = time.monotonic()
    reply = post(server.url, body, signature.sign(body, KEY))
    assert time.monotonic() - started < 1  # Xero allows 5 s
    assert (reply.status_code, reply.content) == (200, b"")
    assert "Set-Cookie" not in reply.headers
    assert stored(world) == resources  # committed before the answer: read at once


@pytest.mark.parametrize("sent", [
    "wrong", signature.sign(b"another body", KEY), signature.sign(b"x", "another key"), "",
    None], ids=["garbage", "another body", "another key", "empty", "missing"])
def test_a_wrong_signature_is_401_with_nothing_and_nothing_stored(
        world: World, server: ReceiverServer, sent: str | None) -> None:
    body = payload(xero_event(str(uuid.UUID(int=1))))
    reply = post(server.url, body, sent)
    assert (reply.status_code, reply.content) == (401, b"")
    assert stored(world) == []


def test_the_signature_is_of_the_raw_bytes(world: World, server: ReceiverServer) -> None:
    body = payload(xero_event(str(uuid.UUID(int=1))))
    reformatted = json.dumps(json.loads(body), indent=2).encode()
    assert post(server.url, reformatted, signature.sign(body, KEY)).status_code == 401
    assert post(server.url, reformatted, signature.sign(reformatted, KEY)).status_code == 200


def test_signatures_are_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[tuple[bytes, bytes]] = []
    real = signature.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(signature.hmac, "compare_digest", spy)
    assert signature.verify(b"body", signature.sign(b"body", KEY), KEY)
    assert not signature.verify(b"body", "forged", KEY)
    assert len(compared) == 2


def test_an_event_delivered_again_is_stored_once(world: World, server: ReceiverServer) -> None:
    body = payload(xero_event(str(uuid.UUID(int=1))), xero_event(str(uuid.UUID(int=2))))
    for _ in range(3):  # Xero retries a delivery whose answer it did not get
        assert post(server.url, body, signature.sign(body, KEY)).status_code == 200
    assert len(stored(world)) == 2
    assert server.receiver.stats["events_stored"] == 2
    assert server.receiver.stats["events_repeated"] == 4


def test_xeros_intent_to_receive_check_passes(world: World, server: ReceiverServer) -> None:
    check = world.admin("POST", "webhooks", json={"url": server.url, "key": KEY})
    assert check["intent_to_receive"]["passed"], check
    assert {r["status"] for r in check["intent_to_receive"]["results"]} == {200, 401}
    assert world.admin("GET", "webhooks")["subscription"]["status"] == "OK"


def test_events_nobody_processes_are_acknowledged_not_stored(
        world: World, server: ReceiverServer) -> None:
    body = payload(xero_event(str(uuid.UUID(int=1)), category="PAYMENT"),
                   xero_event(str(uuid.UUID(int=2)), tenantType="APPLICATION",
                              eventCategory="SUBSCRIPTION"),
                   xero_event("not-a-guid"), xero_event(str(uuid.UUID(int=3))))
    assert post(server.url, body, signature.sign(body, KEY)).status_code == 200
    assert stored(world) == [str(uuid.UUID(int=3))]
    assert server.receiver.stats["events_ignored"] == 3


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_only_post_is_accepted(server: ReceiverServer, method: str) -> None:
    reply = requests.request(method, server.url, timeout=10)
    assert (reply.status_code, reply.headers["Allow"], reply.content) == (405, "POST", b"")


def test_another_path_is_not_found(server: ReceiverServer) -> None:
    body = payload()
    assert post(server.url + "/else", body, signature.sign(body, KEY)).status_code == 404


def test_a_body_over_the_limit_is_refused_unread(world: World) -> None:
    with world.receiver() as server:
        server.receiver.max_body = 1000
        body = payload(*(xero_event(str(uuid.UUID(int=n))) for n in range(1, 20)))
        assert post(server.url, body, signature.sign(body, KEY)).status_code == 413
    assert stored(world) == []


def test_a_body_without_a_length_is_refused(server: ReceiverServer) -> None:
    host, port = server.url.split("//")[1].split("/")[0].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(b"POST /webhooks/xero HTTP/1.1\r\nHost: x\r\n"
                           b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        assert connection.recv(100).startswith(b"HTTP/1.1 411")


def test_a_signed_body_that_is_not_a_payload_is_400(server: ReceiverServer) -> None:
    body = b'{"not": "a payload"}'
    assert post(server.url, body, signature.sign(body, KEY)).status_code == 400


def test_events_the_warehouse_cannot_store_are_503_so_xero_retries(world: World) -> None:
    failures = [RuntimeError("warehouse down")]

    def flaky_open() -> Any:
        if failures:
            raise failures.pop()
        return world.warehouse()

    with world.receiver(sink=EventSink(flaky_open)) as server:
        body = payload(xero_event(str(uuid.UUID(int=1))))
        first = post(server.url, body, signature.sign(body, KEY))
        assert (first.status_code, first.content) == (503, b"")
        assert stored(world) == []
        assert post(server.url, body, signature.sign(body, KEY)).status_code == 200
    assert stored(world) == [str(uuid.UUID(int=1))]


def test_health_reports_the_warehouse_and_the_counters(server: ReceiverServer) -> None:
    body = payload(xero_event(str(uuid.UUID(int=1))))
    post(server.url, body, signature.sign(body, KEY))
    health = requests.get(server.url.replace("/webhooks/xero", "/healthz"), timeout=10)
    assert health.status_code == 200
    assert health.json()["counters"]["events_stored"] == 1


def test_events_from_the_sandbox_arrive(world: World, receiving: ReceiverServer) -> None:
    edited = world.edit()
    assert wait_for(lambda: world.stored(), what="the event") == [edited["id"]]
