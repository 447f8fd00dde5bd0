"""Xero's webhook signature: ``x-xero-signature`` = base64(HMAC-SHA256(key, raw body)).

Computed over the bytes exactly as received (a body parsed and serialised again differs), with
the webhook key as UTF-8, and compared in constant time, so the time an answer takes says
nothing about how much of a forged signature was right (xero-api.md section 7).
"""

from __future__ import annotations

import base64
import hashlib
import hmac

HEADER = "x-xero-signature"


def sign(body: bytes, key: str) -> str:
    """The signature Xero sends with ``body``."""
    digest = hmac.new(key.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify(body: bytes, signature: str | None, key: str) -> bool:
    """Whether ``signature`` is the body's, in constant time; a missing one never is."""
    if not signature:
        return False
    expected = sign(body, key).encode("ascii")
    return hmac.compare_digest(expected, signature.strip().encode("utf-8", "replace"))
