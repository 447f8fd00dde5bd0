"""Xero's webhooks, sent as Xero sends them (xero-api.md section 7).

One subscription per app, as in Xero's developer portal: a receiver URL and a signing key. When
an organisation's contacts, invoices or credit notes are created or changed (by the activity
call or by an edit), an event is queued; after a short batching window the queued events go
out together in one POST, the ``WebhookEvent`` payload Xero sends::

    {"events": [{"resourceUrl", "resourceId", "eventDateUtc", "eventType", "eventCategory",
                 "tenantId", "tenantType"}, ...],
     "firstEventSequence": n, "lastEventSequence": m, "entropy": "..."}

signed with the header ``x-xero-signature`` = base64(HMAC-SHA256(key, raw body)). CREDITNOTE
events carry ``data`` (the credit note's Type and Status). There is no delete event: Xero sends
CREATE and UPDATE only, so a hard-deleted item or a silent edit sends nothing.

Xero's receiver contract decides what counts as delivered: status 200, an empty body, no
cookies, within 5 seconds. Anything else is a failure, retried with decreasing frequency
(``RETRY_DELAYS``, on the sandbox clock, so advancing the clock makes retries due) for up to
24 hours; then the subscription is disabled, as Xero disables the webhook. Intent to receive
(``validate``) is Xero's check when a subscription is saved: a series of event-less payloads,
some signed with the key and some not; the receiver passes when it answers 200 to the first
and 401 to the others, within the same contract.

``lose_next`` drops the next events without sending them (Xero gives no delivery guarantee):
what the scheduled runs must catch.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import random
import string
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from xero_sandbox.clock import Clock
from xero_sandbox.msdate import iso_no_zone

log = logging.getLogger("xero_sandbox.webhooks")

# Collection key -> Xero's event category (organisation events only).
CATEGORIES = {"Contacts": "CONTACT", "Invoices": "INVOICE", "CreditNotes": "CREDITNOTE"}
ID_FIELDS = {"Contacts": "ContactID", "Invoices": "InvoiceID", "CreditNotes": "CreditNoteID"}
# Seconds between a failed delivery and its next try: growing, so tries get rarer ("with
# decreasing frequency"); the last delay repeats until 24 hours have passed.
RETRY_DELAYS = (5, 15, 30, 60, 300, 900, 1800, 3600, 7200, 14400)
GIVE_UP_SECONDS = 24 * 3600
RESPONSE_TIMEOUT = 5.0  # Xero waits this long for an answer
VALIDATION_REQUESTS = 6  # intent-to-receive payloads per validation, half signed wrongly
MAX_SEQUENCE = 2_147_483_647
TICK_SECONDS = 0.05  # how often the dispatcher looks for due work


@dataclass
class Subscription:
    """Where events go and how they are signed and batched."""

    url: str
    key: str = field(repr=False)
    batch_seconds: float = 1.0  # events queued within this window share one payload
    max_events: int = 100  # at most this many events per payload
    status: str = "OK"  # OK | DISABLED (after 24 hours of failures) | FAILED (validation)
    lose_next: int = 0  # drop this many upcoming events unsent


@dataclass
class Delivery:
    """One payload and its tries."""

    body: bytes
    signature: str
    events: int
    created_at: float  # sandbox clock
    next_attempt_at: float
    attempts: int = 0


@dataclass(frozen=True)
class Answer:
    """What the receiver answered one POST, and whether Xero would accept it."""

    status: int  # 0: no answer (refused, reset, timed out)
    body: bytes
    cookies: bool
    seconds: float

    @property
    def acceptable(self) -> bool:
        """Xero's contract: 200, no body, no cookies, within 5 seconds."""
        return (self.status == 200 and not self.body and not self.cookies
                and self.seconds <= RESPONSE_TIMEOUT)


def sign(body: bytes, key: str) -> str:
    """``x-xero-signature``: base64 of the HMAC-SHA256 of the raw body, keyed by the UTF-8 key."""
    digest = hmac.new(key.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def post(url: str, body: bytes, signature: str) -> Answer:
    """POST a payload as Xero does; any failure to answer is status 0."""
    request = urllib.request.Request(url, data=body, method="POST", headers={  # noqa: S310 - the configured receiver
        "Content-Type": "application/json; charset=utf-8", "x-xero-signature": signature,
        "User-Agent": "Xero-Webhooks (xero_sandbox)"})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=RESPONSE_TIMEOUT) as response:  # noqa: S310
            return Answer(response.status, response.read(),
                          bool(response.headers.get_all("Set-Cookie")),
                          time.monotonic() - started)
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read(), bool(error.headers.get_all("Set-Cookie")),
                      time.monotonic() - started)
    except (OSError, ValueError) as error:  # refused, reset, timed out, bad URL
        log.debug("webhook POST to %s failed: %s", url, error)
        return Answer(0, b"", False, time.monotonic() - started)


class Webhooks:
    """The app's webhook subscription, its queue of events and the thread that delivers them."""

    def __init__(self, clock: Clock, seed: int) -> None:
        self.clock = clock
        self.api_base = "https://api.xero.com"  # the server sets its own URL when it starts
        self.subscription: Subscription | None = None
        self.stats: Counter[str] = Counter()
        self._random = random.Random(f"webhooks-{seed}")  # noqa: S311 - entropy text, not secrets
        self._condition = threading.Condition()
        self._queue: list[dict[str, Any]] = []
        self._queued_at: float | None = None  # sandbox clock when the oldest queued event came
        self._deliveries: list[Delivery] = []
        self._sequence = 0
        self._thread: threading.Thread | None = None
        self._stopping = False

    # -- configuration ---------------------------------------------------------------------

    def subscribe(self, url: str, key: str, batch_seconds: float = 1.0,
                  max_events: int = 100) -> Subscription:
        """Start sending to ``url`` (replaces any subscription and forgets its queue)."""
        with self._condition:
            self.subscription = Subscription(url, key, batch_seconds, max_events)
            self._queue, self._queued_at, self._deliveries = [], None, []
            self._condition.notify_all()
            return self.subscription

    def unsubscribe(self) -> None:
        """Stop sending; queued events and pending retries are dropped."""
        with self._condition:
            self.subscription = None
            self._queue, self._queued_at, self._deliveries = [], None, []

    def lose(self, count: int) -> None:
        """Drop the next ``count`` events without sending them."""
        with self._condition:
            if self.subscription is not None:
                self.subscription.lose_next += count

    def reset(self, initial: Subscription | None) -> None:
        """Back to the subscription the sandbox started with, nothing queued, no statistics."""
        with self._condition:
            self.subscription = None if initial is None else Subscription(**asdict(initial))
            self._queue, self._queued_at, self._deliveries = [], None, []
            self._sequence = 0
            self.stats = Counter()

    # -- events ------------------------------------------------------------------------------

    def announce(self, tenant_id: str, collection: str, record: dict[str, Any],
                 event_type: str, now_ms: int) -> None:
        """Queue the event of one created (CREATE) or changed (UPDATE) record, if anyone
        listens and Xero sends events for its collection."""
        category = CATEGORIES.get(collection)
        if category is None:
            return
        record_id = str(record[ID_FIELDS[collection]])
        event: dict[str, Any] = {
            "resourceUrl": f"{self.api_base}/api.xro/2.0/{collection}/{record_id}",
            "resourceId": record_id, "eventDateUtc": iso_no_zone(now_ms, 3),
            "eventType": event_type, "eventCategory": category, "tenantId": tenant_id,
            "tenantType": "ORGANISATION",
        }
        if category == "CREDITNOTE":
            event["data"] = {"Type": record.get("Type"), "Status": record.get("Status")}
        with self._condition:
            subscription = self.subscription
            if subscription is None or subscription.status != "OK":
                self.stats["events_unsent"] += 1
                return
            if subscription.lose_next > 0:
                subscription.lose_next -= 1
                self.stats["events_lost"] += 1
                return
            if not self._queue:
                self._queued_at = self.clock.now()
            self._queue.append(event)
            self.stats["events"] += 1
            self._condition.notify_all()

    # -- delivery ----------------------------------------------------------------------------

    def start(self) -> None:
        """Deliver in a background thread until ``stop``."""
        if self._thread is None:
            self._stopping = False
            self._thread = threading.Thread(target=self._run, daemon=True,
                                            name="xero-sandbox-webhooks")
            self._thread.start()

    def stop(self) -> None:
        """Stop the delivery thread (what is queued stays queued)."""
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=RESPONSE_TIMEOUT + 5)
            self._thread = None

    def _run(self) -> None:
        while True:
            with self._condition:
                if self._stopping:
                    return
                self._batch_due_events()
                due = self._due_deliveries()
                target = self.subscription
                if not due:
                    self._condition.wait(TICK_SECONDS)
                    continue
            for delivery in due:
                if target is not None:
                    self._attempt(target, delivery)

    def _batch_due_events(self) -> None:
        """Turn the queue into payloads once its batching window has passed (lock held)."""
        subscription = self.subscription
        if not self._queue or subscription is None or self._queued_at is None:
            return
        if self.clock.now() - self._queued_at < subscription.batch_seconds:
            return
        while self._queue:
            events = self._queue[:subscription.max_events]
            del self._queue[:subscription.max_events]
            self._deliveries.append(self._payload(subscription, events))
        self._queued_at = None

    def _payload(self, subscription: Subscription, events: list[dict[str, Any]]) -> Delivery:
        first = self._sequence % MAX_SEQUENCE + 1
        self._sequence += len(events)
        body = json.dumps({"events": events, "firstEventSequence": first,
                           "lastEventSequence": (self._sequence - 1) % MAX_SEQUENCE + 1,
                           "entropy": self._entropy()}, separators=(",", ":")).encode("utf-8")
        now = self.clock.now()
        self.stats["payloads"] += 1
        return Delivery(body, sign(body, subscription.key), len(events), now, now)

    def _entropy(self) -> str:
        return "".join(self._random.choice(string.ascii_uppercase) for _ in range(20))

    def _due_deliveries(self) -> list[Delivery]:
        """The deliveries whose (next) try is due, taken off the list (lock held); none while
        the subscription is disabled or failed its validation."""
        if self.subscription is None or self.subscription.status != "OK":
            return []
        now = self.clock.now()
        due = [d for d in self._deliveries if d.next_attempt_at <= now]
        self._deliveries = [d for d in self._deliveries if d.next_attempt_at > now]
        return due

    def _attempt(self, subscription: Subscription, delivery: Delivery) -> None:
        """One try; a failure is scheduled again, or given up after 24 hours."""
        answer = post(subscription.url, delivery.body, delivery.signature)
        with self._condition:
            if self.subscription is not subscription:  # unsubscribed or replaced meanwhile
                return
            delivery.attempts += 1
            self.stats["attempts"] += 1
            if delivery.attempts > 1:
                self.stats["retries"] += 1
            if answer.acceptable:
                self.stats["delivered"] += 1
                self.stats["events_delivered"] += delivery.events
                return
            self.stats["failures"] += 1
            self.stats[f"failures_status_{answer.status}"] += 1
            now = self.clock.now()
            if now - delivery.created_at >= GIVE_UP_SECONDS:
                self.stats["given_up"] += 1
                subscription.status = "DISABLED"
                log.warning("webhook to %s failed for 24 hours: subscription disabled",
                            subscription.url)
                return
            delay = RETRY_DELAYS[min(delivery.attempts, len(RETRY_DELAYS)) - 1]
            delivery.next_attempt_at = now + delay
            self._deliveries.append(delivery)

    # -- intent to receive -------------------------------------------------------------------

    def validate(self) -> dict[str, Any]:
        """Xero's intent-to-receive check: event-less payloads, some signed with another key;
        the receiver must answer 200 to the right ones and 401 to the others, within the
        contract. Passing (re-)enables the subscription; failing marks it FAILED."""
        subscription = self.subscription
        if subscription is None:
            raise ValueError("no webhook subscription: POST /_sandbox/webhooks first")
        signed = [True] * (VALIDATION_REQUESTS // 2) + [False] * (VALIDATION_REQUESTS // 2)
        self._random.shuffle(signed)
        results = []
        for correct in signed:
            body = json.dumps({"events": [], "lastEventSequence": 0, "firstEventSequence": 0,
                               "entropy": self._entropy()},
                              separators=(",", ":")).encode("utf-8")
            key = subscription.key if correct else f"{subscription.key}-not-the-key"
            answer = post(subscription.url, body, sign(body, key))
            expected = 200 if correct else 401
            passed = (answer.status == expected and not answer.body and not answer.cookies
                      and answer.seconds <= RESPONSE_TIMEOUT)
            results.append({"correctly_signed": correct, "expected": expected,
                            "status": answer.status, "empty_body": not answer.body,
                            "seconds": round(answer.seconds, 3), "passed": passed})
        ok = all(r["passed"] for r in results)
        with self._condition:
            if self.subscription is subscription:
                subscription.status = "OK" if ok else "FAILED"
            self.stats["validations"] += 1
            self.stats["validations_passed" if ok else "validations_failed"] += 1
        return {"passed": ok, "results": results}

    # -- observation -------------------------------------------------------------------------

    def as_json(self) -> dict[str, Any]:
        """The subscription (never its key), what waits and the counters."""
        with self._condition:
            subscription = None
            if self.subscription is not None:
                subscription = {k: v for k, v in asdict(self.subscription).items()
                                if k != "key"}
            return {"subscription": subscription, "queued_events": len(self._queue),
                    "retrying_payloads": len(self._deliveries),
                    "next_retry_in_seconds": min(
                        (d.next_attempt_at - self.clock.now() for d in self._deliveries
                         if d.attempts), default=None),
                    "stats": dict(self.stats)}
