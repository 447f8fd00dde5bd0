"""Small HTTP building blocks shared by the sandbox's route handlers."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

NOT_FOUND_TEXT = "The resource you're looking for cannot be found"


@dataclass
class Reply:
    """One response, or an instruction to drop the connection without one."""

    status: int
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False


def encode_json(payload: Any) -> str:
    """Compact JSON with Xero's escaped slashes in MS dates (``"\\/Date(...)\\/"``)."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return text.replace('"/Date(', '"\\/Date(').replace(')/"', ')\\/"')


def json_reply(status: int, payload: Any, headers: dict[str, str] | None = None) -> Reply:
    """A JSON body, encoded as Xero encodes it."""
    return Reply(status, encode_json(payload).encode("utf-8"), headers=dict(headers or {}))


def text_reply(status: int, text: str, headers: dict[str, str] | None = None) -> Reply:
    """A plain-text body, as Xero sends for 404s and maintenance 503s."""
    return Reply(status, text.encode("utf-8"), "text/plain; charset=utf-8", dict(headers or {}))


def problem(status: int, title: str, detail: str, headers: dict[str, str] | None = None) -> Reply:
    """RFC 7807 problem details with Xero's PascalCase keys (401 and 403 from the gateway)."""
    payload: dict[str, Any] = {
        "Type": None, "Title": title, "Status": status, "Detail": detail,
        "Instance": str(uuid.uuid4()), "Extensions": {},
    }
    return json_reply(status, payload, headers)


def api_exception(status: int, number: int, kind: str, message: str) -> Reply:
    """The Accounting API's own error body, e.g. QueryParseException."""
    return json_reply(status, {"ErrorNumber": number, "Type": kind, "Message": message})


def not_found(headers: dict[str, str] | None = None) -> Reply:
    """Xero's 404: plain text, whatever the Accept header."""
    return text_reply(404, NOT_FOUND_TEXT, headers)


def html_reply(status: int, html: str) -> Reply:
    """An HTML page (the consent screen)."""
    return Reply(status, html.encode("utf-8"), "text/html; charset=utf-8")


def redirect(location: str) -> Reply:
    """A 302 to another URL (back to the app after consent)."""
    return Reply(302, b"", "text/plain", {"Location": location})
