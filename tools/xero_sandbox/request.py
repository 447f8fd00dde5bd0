"""The parts of an HTTP request the route handlers read, decoded once."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Request:
    """Method, path, query, headers (case-insensitive) and raw body."""

    method: str
    path: str
    query: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased names
    body: bytes = b""

    def header(self, name: str, default: str | None = None) -> str | None:
        """A header by case-insensitive name (HTTP header names are case-insensitive)."""
        return self.headers.get(name.lower(), default)

    def arg(self, name: str) -> str | None:
        """A query parameter, matched case-insensitively as Xero does (pageSize, pagesize)."""
        lowered = name.lower()
        for key, values in self.query.items():
            if key.lower() == lowered and values:
                return values[-1]
        return None

    def flag(self, name: str) -> bool:
        """A boolean query parameter: the SDK sends ``True``, others ``true``."""
        return (self.arg(name) or "").lower() == "true"

    def form(self) -> dict[str, str]:
        """An ``application/x-www-form-urlencoded`` body."""
        parsed = parse_qs(self.body.decode("utf-8"), keep_blank_values=True)
        return {key: values[-1] for key, values in parsed.items()}

    def json(self) -> Any:
        """A JSON body ({} when empty)."""
        return json.loads(self.body) if self.body.strip() else {}

    def basic_credentials(self) -> tuple[str, str] | None:
        """Client id and secret from an ``Authorization: Basic`` header, if present."""
        value = self.header("authorization") or ""
        if not value.lower().startswith("basic "):
            return None
        try:
            decoded = base64.b64decode(value[6:].strip()).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None
        client_id, _, secret = decoded.partition(":")
        return client_id, secret

    def bearer(self) -> str | None:
        """The token of an ``Authorization: Bearer`` header, if present."""
        value = self.header("authorization") or ""
        return value[7:].strip() if value.lower().startswith("bearer ") else None

    def wants_json(self) -> bool:
        """Xero answers JSON only to clients that ask for it."""
        return "application/json" in (self.header("accept") or "").lower()
