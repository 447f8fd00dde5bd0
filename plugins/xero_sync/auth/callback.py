"""A one-shot web server on localhost that catches Xero's consent redirect.

Xero allows plain ``http`` redirect URIs only for localhost (xero-api.md section 4.2), so the
authorize command listens on ``http://localhost:<port>/callback``; the same URI must be listed
under the app's redirect URIs at developer.xero.com.
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

from xero_sync.errors import ConfigurationError

CALLBACK_PATH = "/callback"
_PAGE = ("<!doctype html><meta charset=utf-8><title>xero-sync</title>"
         "<p>{message} You can close this tab and return to the terminal.</p>")


@dataclass(frozen=True)
class Redirect:
    """What Xero's redirect carried back (``repr`` hides the single-use code)."""

    code: str | None = field(repr=False)
    state: str | None
    error: str | None


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != CALLBACK_PATH:
            self.send_error(404)
            return
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        self.server.redirect = Redirect(query.get("code"), query.get("state"),
                                        query.get("error"))
        message = (f"Xero sign-in failed: {html.escape(query['error'])}." if "error" in query
                   else "Xero sign-in received.")
        body = _PAGE.format(message=message).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Silent: the request line carries the authorization code."""


class _Server(HTTPServer):
    redirect: Redirect | None = None


class CallbackReceiver:
    """Listen on localhost:<port> (0 picks a free port) until the redirect arrives."""

    def __init__(self, port: int) -> None:
        try:
            self._server = _Server(("127.0.0.1", port), _Handler)
        except OSError as error:
            raise ConfigurationError(
                f"cannot listen on localhost:{port} for Xero's redirect ({error.strerror}); "
                "free the port or pass another with --port (and register "
                "http://localhost:<port>/callback as a redirect URI of the Xero app)"
            ) from None

    @property
    def redirect_uri(self) -> str:
        """The redirect URI to send to Xero (it must match the app's registration exactly)."""
        return f"http://localhost:{self._server.server_address[1]}{CALLBACK_PATH}"

    def wait(self, timeout: float) -> Redirect | None:
        """The redirect, or None when nothing came within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while self._server.redirect is None:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self._server.timeout = min(left, 1.0)
            self._server.handle_request()
        return self._server.redirect

    def close(self) -> None:
        """Free the port."""
        self._server.server_close()
