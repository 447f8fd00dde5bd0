"""The receiver: Xero POSTs webhook payloads here; each event is stored before the answer.

Xero's contract (xero-api.md section 7) decides every answer, and each is empty (no body, no
cookie) and given well within Xero's 5 seconds:

* **401** when ``x-xero-signature`` is not the HMAC-SHA256 of the raw body under the webhook
  key (``signature.verify``, constant time). Intent-to-receive validation sends payloads
  signed wrongly on purpose and requires exactly this.
* **200** once every event of the payload is committed to ``_webhook_events`` (stored once
  however often Xero delivers it). An acknowledged event is therefore never lost: Xero stops
  retrying on a 200, and the row is already there.
* **503** when the warehouse could not store them (down, locked for longer than the receiver
  waits): Xero retries later, for up to 24 hours, and nothing was acknowledged.
* **400** for a correctly signed body that is not a payload; **404** for another path;
  **405** for a method other than POST (``GET /healthz`` excepted, for health checks);
  **411** without a Content-Length; **413** for a body over the limit, which is never read.

Xero requires HTTPS on port 443; the receiver speaks plain HTTP behind a TLS-terminating
reverse proxy (README: "Receive Xero's webhooks"). It runs on the standard library's
threading HTTP server: each delivery takes milliseconds, and one warehouse connection, used
by one request at a time, is reopened after a failure.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from xero_sync.warehouse.events import WebhookEvent, WebhookEventStore
from xero_sync.warehouse.sqlbase import SqlWarehouse
from xero_sync.warehouse.sqlite import SqliteWarehouse
from xero_sync.webhooks.payload import PayloadError, parse_payload
from xero_sync.webhooks.signature import HEADER, verify

log = logging.getLogger(__name__)

DEFAULT_PATH = "/webhooks/xero"
MAX_BODY_BYTES = 1_048_576  # Xero's payloads are a few hundred bytes an event
SOCKET_TIMEOUT = 10.0  # a client that stalls mid-request is cut off
SLOW_SECONDS = 1.0  # an answer slower than this is logged as a warning (Xero allows 5)
# How long a store may wait for a lock before it gives up and answers 503 (Xero retries).
STORE_TIMEOUT_MS = 3_000
_SESSION = {
    "sqlite": f"PRAGMA busy_timeout = {STORE_TIMEOUT_MS}",
    "postgres": f"SET statement_timeout = {STORE_TIMEOUT_MS}",
    "mssql": f"SET LOCK_TIMEOUT {STORE_TIMEOUT_MS}",
}


class EventSink:
    """Stores events through one warehouse connection, opened on first use and reopened after
    a failure; requests take turns on it."""

    def __init__(self, open_warehouse: Callable[[], SqlWarehouse]) -> None:
        self._open = open_warehouse
        self._warehouse: SqlWarehouse | None = None
        self._lock = threading.Lock()

    def store(self, events: list[WebhookEvent]) -> int:
        """Commit the events not stored yet; returns how many were new. Raises whatever the
        warehouse raised (the connection is then dropped and opened again next time)."""
        with self._lock:
            try:
                warehouse = self._warehouse or self._connect()
                return WebhookEventStore(warehouse).store(events, _now())
            except Exception:
                self._discard()
                raise

    def check(self) -> str | None:
        """None when the warehouse answers, else why not (for the health check)."""
        with self._lock:
            try:
                warehouse = self._warehouse or self._connect()
                WebhookEventStore(warehouse).summary("INVOICE")
            except Exception as error:
                self._discard()
                return f"{type(error).__name__}: {error}"
        return None

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._discard()

    def _connect(self) -> SqlWarehouse:
        warehouse = self._open()
        try:
            if isinstance(warehouse, SqliteWarehouse):
                warehouse.synchronous = "FULL"  # an acknowledged event survives a power cut
            self._session(warehouse)
            warehouse.ensure_tables([])
        except Exception:
            warehouse.close()
            raise
        self._warehouse = warehouse
        log.info("webhook receiver: storing events in %s", warehouse.description)
        return warehouse

    @staticmethod
    def _session(warehouse: SqlWarehouse) -> None:
        """Bound how long a store waits for a lock, so Xero gets its answer in time."""
        statement = _SESSION[warehouse.sql.name]
        if warehouse.sql.name == "sqlite":
            warehouse.connection.execute(statement)
            return
        cursor = warehouse.connection.cursor()
        cursor.execute(statement)
        warehouse.connection.commit()

    def _discard(self) -> None:
        if self._warehouse is not None:
            self._warehouse.close()
            self._warehouse = None


class Receiver:
    """What to do with one request; the HTTP server calls ``answer``."""

    def __init__(self, key: str, sink: EventSink, handled: Collection[str],
                 path: str = DEFAULT_PATH, max_body: int = MAX_BODY_BYTES) -> None:
        if not key:
            raise ValueError("the webhook signing key is empty")
        self.key = key
        self.sink = sink
        self.handled = frozenset(handled)
        self.path = path
        self.max_body = max_body
        self.stats: Counter[str] = Counter()
        self._stats_lock = threading.Lock()

    def count(self, name: str, by: int = 1) -> None:
        """Add to a counter (``GET /healthz`` shows them)."""
        with self._stats_lock:
            self.stats[name] += by

    def answer(self, body: bytes, signature: str | None) -> int:
        """The status for a POST of ``body``: 401 unsigned, 400 not a payload, 503 not stored,
        200 stored."""
        if not verify(body, signature, self.key):
            self.count("rejected_signature")
            log.warning("webhook: signature does not match the body (401): a request not from "
                        "Xero, an intent-to-receive check, or XERO_WEBHOOK_KEY is not this "
                        "app's webhook key")
            return 401
        try:
            payload = parse_payload(body, self.handled)
        except PayloadError as error:
            self.count("malformed")
            log.error("webhook: correctly signed, but %s (400); first bytes: %r", error,
                      body[:200])
            return 400
        if payload.ignored:
            self.count("events_ignored", sum(payload.ignored.values()))
            log.info("webhook: %s", ", ".join(f"{n} event(s) left out: {why}"
                                              for why, n in payload.ignored.items()))
        if not payload.events:
            self.count("accepted_empty")
            return 200
        try:
            stored = self.sink.store(payload.events)
        except Exception as error:  # whatever it was, nothing is acknowledged: Xero retries
            self.count("store_failed")
            log.error("webhook: %d event(s) could not be stored, answered 503 so that Xero "
                      "sends them again: %s: %s", len(payload.events), type(error).__name__,
                      error)
            return 503
        self.count("accepted")
        self.count("events_stored", stored)
        self.count("events_repeated", len(payload.events) - stored)
        tenants = len({event.tenant_id for event in payload.events})
        log.info("webhook: %d event(s) for %d organisation(s) stored (%d new, %d delivered "
                 "before), sequence %s-%s", len(payload.events), tenants, stored,
                 len(payload.events) - stored, payload.first_sequence, payload.last_sequence)
        return 200

    def health(self) -> tuple[int, bytes]:
        """``GET /healthz``: 200 with the counters when the warehouse answers, else 503."""
        problem = self.sink.check()
        with self._stats_lock:
            body = {"status": "ok" if problem is None else "warehouse unavailable",
                    "problem": problem, "counters": dict(self.stats)}
        return (200 if problem is None else 503), json.dumps(body).encode("utf-8")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = SOCKET_TIMEOUT
    # Headers and body are two writes: without this, Nagle's algorithm holds a body (healthz)
    # until the client's delayed acknowledgement of the headers, up to 40 ms on a kept-alive
    # connection.
    disable_nagle_algorithm = True
    server: _Server
    server_version = "xero-sync-webhooks"
    sys_version = ""

    def do_POST(self) -> None:
        receiver = self.server.receiver
        started = time.monotonic()
        if urlsplit(self.path).path != receiver.path:
            self._reply(404)
            return
        body = self._body(receiver)
        if body is None:
            return
        status = receiver.answer(body, self.headers.get(HEADER))
        self._reply(status)
        seconds = time.monotonic() - started
        if seconds > SLOW_SECONDS:
            log.warning("webhook: answered %d after %.1f s (Xero gives up after 5 s)", status,
                        seconds)

    def do_GET(self) -> None:
        if urlsplit(self.path).path == "/healthz":
            status, body = self.server.receiver.health()
            self._reply(status, body, "application/json")
            return
        self._refuse()

    def do_HEAD(self) -> None:
        self._refuse()

    def do_PUT(self) -> None:
        self._refuse()

    def do_DELETE(self) -> None:
        self._refuse()

    def do_PATCH(self) -> None:
        self._refuse()

    def do_OPTIONS(self) -> None:
        self._refuse()

    def _refuse(self) -> None:
        self.server.receiver.count("refused_method")
        self._reply(405, headers={"Allow": "POST"})

    def _body(self, receiver: Receiver) -> bytes | None:
        """The raw body, or None after answering why it will not be read."""
        if self.headers.get("Transfer-Encoding"):
            self._reply(411, close=True)
            return None
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            length = -1
        if length < 0:
            self._reply(411, close=True)
            return None
        if length > receiver.max_body:
            receiver.count("too_large")
            log.warning("webhook: refused a body of %d bytes (over %d)", length,
                        receiver.max_body)
            self._reply(413, close=True)
            return None
        body = self.rfile.read(length)
        if len(body) < length:
            self._reply(400, close=True)
            return None
        return body

    def _reply(self, status: int, body: bytes = b"", content_type: str | None = None,
               headers: dict[str, str] | None = None, close: bool = False) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - %s", self.address_string(), format % args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], receiver: Receiver) -> None:
        super().__init__(address, _Handler)
        self.receiver = receiver


class ReceiverServer:
    """A receiver listening on a host and port: ``with ReceiverServer(...) as server``."""

    def __init__(self, receiver: Receiver, host: str = "127.0.0.1", port: int = 0) -> None:
        self.receiver = receiver
        self._server = _Server((host, port), receiver)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Where Xero (or the reverse proxy in front) sends webhooks."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{self.receiver.path}"

    def start(self) -> ReceiverServer:
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="xero-webhook-receiver")
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted."""
        self._server.serve_forever()

    def stop(self) -> None:
        """Stop serving, free the port, close the warehouse connection."""
        self._server.shutdown()
        self._server.server_close()
        self.receiver.sink.close()

    def __enter__(self) -> ReceiverServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
