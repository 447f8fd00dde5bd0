"""The sandbox's HTTP server: one port serving identity, API and admin routes.

Xero splits these over login.xero.com, identity.xero.com and api.xero.com; a client points its
three base URLs at this one server, and nothing else in the client changes.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from xero_sandbox import admin_routes, api_routes, endpoints, faults, oauth_routes
from xero_sandbox.http import Reply, not_found, text_reply
from xero_sandbox.request import Request
from xero_sandbox.state import SandboxConfig, SandboxState

log = logging.getLogger("xero_sandbox")


def route(state: SandboxState, request: Request, base_url: str) -> Reply:
    """Send a request to the handler of its path."""
    parts = [unquote(p) for p in request.path.strip("/").split("/") if p]
    lowered = [p.lower() for p in parts]
    if lowered[:1] == ["_sandbox"] and len(parts) == 2:
        return admin_routes.handle(state, request, lowered[1])
    if lowered[:3] == ["identity", "connect", "authorize"]:
        if request.method == "POST":
            return oauth_routes.consent(state, request)
        return oauth_routes.authorize(state, request, state.config.auto_consent)
    if request.method == "POST" and lowered in (["connect", "token"], ["identity", "connect",
                                                                          "token"]):
        return _token_with_faults(state, request)
    if request.method == "POST" and lowered == ["connect", "revocation"]:
        return oauth_routes.revoke(state, request)
    if lowered == [".well-known", "openid-configuration"]:
        return oauth_routes.discovery(base_url)
    if lowered[:1] == ["connections"] and len(parts) <= 2:
        return oauth_routes.connections(state, request, parts[1] if len(parts) == 2 else None)
    for family, base in endpoints.BASE_PATHS.items():
        prefix = base.strip("/").lower().split("/")
        if lowered[: len(prefix)] == prefix:
            return api_routes.handle(state, request, family, parts[len(prefix):])
    return not_found()


def _token_with_faults(state: SandboxState, request: Request) -> Reply:
    """The token endpoint can fail too; a dropped reply after a refresh is the lost response."""
    fault = state.faults.pick("token", None, request.path)
    if fault is not None and fault.kind in ("500", "503"):
        return text_reply(int(fault.kind), "The identity service is temporarily unavailable")
    if fault is not None and fault.kind == "slow":
        threading.Event().wait(fault.delay)
    reply = oauth_routes.token(state, request)
    if fault is not None and fault.kind == "stall":
        state.clock.advance(fault.delay)  # the token was issued; its answer arrives late
    reply.drop = fault is not None and fault.kind == "drop"
    return reply


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # A reply is two writes (headers, then body); on a kept-alive connection Nagle's algorithm
    # holds the body until the client acknowledges the headers, which it delays up to 40 ms:
    # every call after a connection's first would wait that long for nothing.
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The ``Date`` header by the sandbox's clock, as Xero's shows Xero's (the client
        keeps watermarks within it)."""
        return super().date_time_string(
            self.server.state.clock.now() if timestamp is None else timestamp)

    def _dispatch(self) -> None:
        request = self._read_request()
        state = self.server.state
        try:
            reply = route(state, request, self.server.base_url)
        except Exception:
            log.exception("sandbox handler failed for %s %s", request.method, request.path)
            reply = text_reply(500, "sandbox internal error")
        if not request.path.startswith("/_sandbox/"):
            status = 0 if reply.drop else reply.status
            state.stats.count_status(status)
            state.requests.record(request.method, request.path, request.query, request.headers,
                                  status)
        if reply.drop:
            self._drop()
            return
        self._write(reply)

    def _read_request(self) -> Request:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        return Request(self.command, parts.path, parse_qs(parts.query, keep_blank_values=True),
                       headers, body)

    def _write(self, reply: Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)

    def _drop(self) -> None:
        """Close the socket with nothing sent: the client sees a dropped connection."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s - %s", self.address_string(), format % args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], state: SandboxState) -> None:
        super().__init__(address, _Handler)
        self.state = state
        host, port = self.server_address[:2]
        self.base_url = f"http://{host!s}:{port}"


class Sandbox:
    """A running sandbox: ``with Sandbox(config) as sandbox: sandbox.url``."""

    def __init__(self, config: SandboxConfig | None = None, host: str = "127.0.0.1",
                 port: int = 0) -> None:
        self.state = SandboxState(config or SandboxConfig())
        self._server = _Server((host, port), self.state)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL for the identity, login and API endpoints alike."""
        return self._server.base_url

    def start(self) -> Sandbox:
        """Serve in a background thread."""
        self._start_webhooks()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="xero-sandbox")
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted."""
        self._start_webhooks()
        self._server.serve_forever()

    def _start_webhooks(self) -> None:
        """Webhook events name resources under this server's URL, as Xero's name its API."""
        self.state.webhooks.api_base = self.url
        self.state.webhooks.start()

    def stop(self) -> None:
        """Stop serving and free the port."""
        self.state.webhooks.stop()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


__all__ = ["Sandbox", "SandboxConfig", "faults"]
