"""The sandbox sends webhooks as Xero does (xero-api.md section 7): Xero's payload, signed with
the key over the raw body, batched, retried with decreasing frequency on the sandbox clock for
24 hours, and Xero's intent-to-receive check. A recording receiver stands in for ours."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.sandbox.conftest import SandboxClient
from xero_sandbox.webhooks import RETRY_DELAYS

API = "/api.xro/2.0"
KEY = "sandbox-webhook-key/+="
GUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


@dataclass
class Recorder:
    """A receiver that keeps every POST and answers as ``answer`` says."""

    answer: Callable[[bytes, str], tuple[int, bytes]] = lambda body, signature: (200, b"")
    received: list[tuple[bytes, str]] = field(default_factory=list)
    url: str = ""

    def payloads(self) -> list[dict[str, Any]]:
        return [json.loads(body) for body, _ in self.received]

    def events(self) -> list[dict[str, Any]]:
        return [event for payload in self.payloads() for event in payload["events"]]


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    recording = Recorder()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            signature = self.headers.get("x-xero-signature", "")
            recording.received.append((body, signature))
            status, reply = recording.answer(body, signature)
            self.send_response(status)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    recording.url = f"http://127.0.0.1:{server.server_address[1]}/webhooks/xero"
    yield recording
    server.shutdown()
    server.server_close()


def signed(body: bytes, key: str = KEY) -> str:
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


def checks_signature(body: bytes, signature: str) -> tuple[int, bytes]:
    return (200, b"") if hmac.compare_digest(signed(body), signature) else (401, b"")


def wait_for(condition: Callable[[], Any], seconds: float = 10) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")


def failures(client: SandboxClient) -> int:
    """Failed tries the sandbox has recorded (and scheduled again, under the same lock)."""
    return int(client.admin("GET", "webhooks")["stats"].get("failures", 0))


def subscribe(client: SandboxClient, recorder: Recorder, **options: Any) -> dict[str, Any]:
    body = {"url": recorder.url, "key": KEY, "validate": False, "batch_seconds": 0.2, **options}
    return dict(client.admin("POST", "webhooks", json=body))


def test_activity_sends_xeros_payload_signed_over_the_raw_body(
        client: SandboxClient, recorder: Recorder) -> None:
    subscribe(client, recorder)
    changes = client.admin("POST", "activity", json={"intensity": 10})
    expected = set()
    for tenant, report in changes.items():
        for kind, event_type in (("created", "CREATE"), ("updated", "UPDATE")):
            for key, category in (("Contacts", "CONTACT"), ("Invoices", "INVOICE"),
                                  ("CreditNotes", "CREDITNOTE")):
                expected |= {(tenant, category, event_type, i) for i in report[kind].get(key, [])}
    wait_for(lambda: len(recorder.events()) >= len(expected))
    time.sleep(0.5)  # nothing more comes
    events = recorder.events()
    assert {(e["tenantId"], e["eventCategory"], e["eventType"], e["resourceId"])
            for e in events} == expected
    assert len(events) == len(expected)
    assert len(recorder.received) < len(events)  # batched: several events per POST
    for body, signature in recorder.received:
        assert signature == signed(body)
        payload = json.loads(body)
        assert set(payload) == {"events", "firstEventSequence", "lastEventSequence", "entropy"}
        assert payload["lastEventSequence"] - payload["firstEventSequence"] + 1 == len(
            payload["events"])
        assert payload["entropy"].isalpha()
    sequences = [(p["firstEventSequence"], p["lastEventSequence"]) for p in recorder.payloads()]
    assert sorted(sequences)[0][0] == 1
    for event in events:
        assert set(event) - {"data"} == {"resourceUrl", "resourceId", "eventDateUtc",
                                         "eventType", "eventCategory", "tenantId", "tenantType"}
        assert event["tenantType"] == "ORGANISATION"
        collection = {"CONTACT": "Contacts", "INVOICE": "Invoices",
                      "CREDITNOTE": "CreditNotes"}[event["eventCategory"]]
        assert event["resourceUrl"] == f"{client.url}{API}/{collection}/{event['resourceId']}"
        assert len(event["eventDateUtc"]) == len("2024-06-21T01:15:39.902")
        assert ("data" in event) == (event["eventCategory"] == "CREDITNOTE")
    credit = next(e for e in events if e["eventCategory"] == "CREDITNOTE")
    assert credit["data"]["Type"] in ("ACCRECCREDIT", "ACCPAYCREDIT")
    stats = client.admin("GET", "stats")["webhooks"]
    assert stats["delivered"] == len(recorder.received) == stats["payloads"]
    assert stats.get("failures", 0) == 0


def test_no_event_for_hard_deletes_or_other_objects(client: SandboxClient,
                                                    recorder: Recorder) -> None:
    subscribe(client, recorder)
    changes = client.admin("POST", "activity", json={"intensity": 10})
    wait_for(recorder.events)
    time.sleep(0.5)
    sent = {e["resourceId"] for e in recorder.events()}
    for report in changes.values():
        for key in ("Items", "LinkedTransactions"):
            assert not sent & set(report["hard_deleted"].get(key, []))
        assert not sent & set(report["created"].get("Payments", []))
        assert not sent & set(report["created"].get("Journals", []))
    assert {e["eventType"] for e in recorder.events()} <= {"CREATE", "UPDATE"}


def test_an_edit_changes_one_record_and_sends_its_update(
        client: SandboxClient, recorder: Recorder, access_token: str) -> None:
    subscribe(client, recorder)
    tenant = client.tenants[1]
    edited = client.admin("POST", "edit", json={"tenant": tenant, "object": "Invoices"})
    event = wait_for(recorder.events)[0]
    assert (event["tenantId"], event["resourceId"], event["eventType"],
            event["eventCategory"]) == (tenant, edited["id"], "UPDATE", "INVOICE")
    reply = client.api(f"{API}/Invoices/{edited['id']}", access_token, tenant=tenant)
    invoice = reply.json()["Invoices"][0]
    assert invoice["Reference"] == edited["fields"]["Reference"]
    assert invoice["UpdatedDateUTC"] == edited["UpdatedDateUTC"]
    contact = client.sandbox.state.truth(tenant, "Contacts")[0]["ContactID"]
    chosen = client.admin("POST", "edit", json={
        "tenant": tenant, "object": "Contacts", "id": contact.upper(),
        "fields": {"Name": "Renamed Ltd"}})
    assert chosen["id"] == contact
    assert chosen["fields"] == {"Name": "Renamed Ltd"}


@pytest.mark.parametrize(("body", "status"), [
    ({"object": "Invoices", "fields": {"InvoiceID": "x"}}, 400),
    ({"object": "Invoices", "fields": {"LineItems": []}}, 400),
    ({"object": "Currencies"}, 400),
    ({"object": "Invoices", "id": "00000000-0000-0000-0000-000000000000"}, 404),
    ({"object": "Invoices", "tenant": "nobody"}, 404),
])
def test_an_edit_xero_would_not_allow_is_refused(client: SandboxClient, body: dict[str, Any],
                                                  status: int) -> None:
    reply = client.http.post(f"{client.url}/_sandbox/edit", json=body, timeout=10)
    assert reply.status_code == status, reply.text


def test_failed_deliveries_are_retried_less_and_less_often_on_the_sandbox_clock(
        client: SandboxClient, recorder: Recorder) -> None:
    def slow_503(body: bytes, signature: str) -> tuple[int, bytes]:
        time.sleep(0.2)  # a receiver that takes its time (a loaded one did: the race below)
        return 503, b""

    recorder.answer = slow_503
    subscribe(client, recorder)
    client.admin("POST", "edit", json={"object": "Invoices"})
    wait_for(lambda: len(recorder.received) == 1)
    time.sleep(0.3)
    assert len(recorder.received) == 1  # the next try waits for the first delay
    for delay in RETRY_DELAYS[:3]:
        tries = len(recorder.received)
        # The receiver has the try before the sandbox has its answer; advancing the clock in
        # between would schedule the retry from the advanced clock, never due.
        wait_for(lambda tries=tries: failures(client) == tries)
        client.admin("POST", "clock", json={"seconds": delay})
        wait_for(lambda tries=tries: len(recorder.received) == tries + 1)
    wait_for(lambda: failures(client) == len(recorder.received))
    assert len({body for body, _ in recorder.received}) == 1  # the same payload each time
    recorder.answer = lambda body, signature: (200, b"")
    client.admin("POST", "clock", json={"seconds": RETRY_DELAYS[3]})
    wait_for(lambda: client.admin("GET", "webhooks")["stats"].get("delivered"))
    stats = client.admin("GET", "stats")["webhooks"]
    assert (stats["attempts"], stats["retries"], stats["failures"], stats["delivered"]) == (
        5, 4, 4, 1)
    assert stats["failures_status_503"] == 4
    assert list(RETRY_DELAYS) == sorted(RETRY_DELAYS)


def test_a_200_with_a_body_is_not_an_acceptable_answer(client: SandboxClient,
                                                       recorder: Recorder) -> None:
    recorder.answer = lambda body, signature: (200, b"ok")
    subscribe(client, recorder)
    client.admin("POST", "edit", json={"object": "Invoices"})
    wait_for(lambda: client.admin("GET", "webhooks")["stats"].get("failures"))
    assert client.admin("GET", "webhooks")["retrying_payloads"] == 1


def test_after_24_hours_of_failures_the_subscription_is_disabled(
        client: SandboxClient, recorder: Recorder) -> None:
    recorder.answer = lambda body, signature: (500, b"")
    subscribe(client, recorder)
    client.admin("POST", "edit", json={"object": "Invoices"})
    wait_for(lambda: recorder.received)
    for _ in range(40):
        tries = len(recorder.received)
        client.admin("POST", "clock", json={"seconds": RETRY_DELAYS[-1]})
        if client.admin("GET", "webhooks")["subscription"]["status"] == "DISABLED":
            break
        wait_for(lambda tries=tries: len(recorder.received) > tries or client.admin(
            "GET", "webhooks")["subscription"]["status"] == "DISABLED")
    state = wait_for(lambda: (lambda s: s if s["subscription"]["status"] == "DISABLED"
                              else None)(client.admin("GET", "webhooks")))
    assert state["stats"]["given_up"] == 1
    client.admin("POST", "edit", json={"object": "Invoices"})
    assert client.admin("GET", "webhooks")["stats"]["events_unsent"] == 1


def test_intent_to_receive_passes_a_receiver_that_checks_the_signature(
        client: SandboxClient, recorder: Recorder) -> None:
    recorder.answer = checks_signature
    reply = client.admin("POST", "webhooks", json={"url": recorder.url, "key": KEY})
    check = reply["intent_to_receive"]
    assert check["passed"] and reply["subscription"]["status"] == "OK"
    assert {r["correctly_signed"] for r in check["results"]} == {True, False}
    for body, _ in recorder.received:
        assert json.loads(body)["events"] == []
        assert json.loads(body)["firstEventSequence"] == json.loads(body)["lastEventSequence"] == 0
    assert sum(signed(body) == sig for body, sig in recorder.received) == len(
        recorder.received) // 2


def test_intent_to_receive_fails_a_receiver_that_accepts_anything(
        client: SandboxClient, recorder: Recorder) -> None:
    reply = client.admin("POST", "webhooks", json={"url": recorder.url, "key": KEY})
    assert not reply["intent_to_receive"]["passed"]
    assert reply["subscription"]["status"] == "FAILED"
    validations = len(recorder.received)
    client.admin("POST", "edit", json={"object": "Invoices"})
    time.sleep(0.5)
    assert len(recorder.received) == validations  # a failed receiver gets no events
    recorder.answer = checks_signature
    assert client.admin("POST", "intent_to_receive")["passed"]
    assert client.admin("GET", "webhooks")["subscription"]["status"] == "OK"


def test_lost_events_are_never_sent(client: SandboxClient, recorder: Recorder) -> None:
    subscribe(client, recorder, lose_next=1)
    lost = client.admin("POST", "edit", json={"object": "Invoices"})
    sent = client.admin("POST", "edit", json={"object": "Invoices"})
    events = wait_for(recorder.events)
    time.sleep(0.4)
    assert [e["resourceId"] for e in recorder.events()] == [sent["id"]] != [lost["id"]]
    assert len(events) == 1
    assert client.admin("GET", "webhooks")["stats"]["events_lost"] == 1


def test_a_reset_forgets_the_subscription(client: SandboxClient, recorder: Recorder) -> None:
    subscribe(client, recorder)
    client.sandbox.state.reset()
    assert client.admin("GET", "webhooks")["subscription"] is None


# -- reading what changed by id, as a webhook run does ---------------------------------------

def test_ids_filter_reads_up_to_50_invoices_and_contacts_in_full(
        client: SandboxClient, access_token: str) -> None:
    for key, id_field, params in (("Invoices", "InvoiceID", {}),
                                  ("Contacts", "ContactID", {"includeArchived": "true"})):
        records = client.sandbox.state.truth(client.tenants[0], key)
        ids = [r[id_field] for r in records[:50]]
        reply = client.api(f"{API}/{key}", access_token, params={
            "IDs": ",".join(ids), "page": 1, **params})
        got = reply.json()[key]
        assert sorted(r[id_field] for r in got) == sorted(ids)
        if key == "Invoices":
            assert all(r["LineItems"] for r in got)  # paged: full detail


def test_credit_notes_by_id_through_where(client: SandboxClient, access_token: str) -> None:
    records = client.sandbox.state.truth(client.tenants[0], "CreditNotes")[:3]
    where = " OR ".join(f'CreditNoteID==Guid("{r["CreditNoteID"]}")' for r in records)
    reply = client.api(f"{API}/CreditNotes", access_token, params={"where": where, "page": 1})
    assert sorted(r["CreditNoteID"] for r in reply.json()["CreditNotes"]) == sorted(
        r["CreditNoteID"] for r in records)
