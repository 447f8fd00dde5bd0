"""Xero's webhook payload (``WebhookEvent``, xero-api.md section 7) into events to store.

A payload is ``{"events": [...], "firstEventSequence", "lastEventSequence", "entropy"}``;
intent-to-receive payloads carry no events. Only events of organisations (``tenantType``
ORGANISATION) whose category a mapping handles are kept; the rest are counted and named in the
log, never stored: no run would ever process them. An event without the ids and time Xero
always sends cannot be read by id and is skipped with a warning (the scheduled runs still
read its change).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from xero_sync.warehouse.events import WebhookEvent


class PayloadError(ValueError):
    """A correctly signed body that is not Xero's payload; the message says what is wrong."""


@dataclass
class Payload:
    """What one delivery brings: the events to store and what was left out, and why."""

    events: list[WebhookEvent] = field(default_factory=list)
    ignored: dict[str, int] = field(default_factory=dict)  # reason -> events
    first_sequence: int | None = None
    last_sequence: int | None = None

    def ignore(self, reason: str) -> None:
        """Count an event left out."""
        self.ignored[reason] = self.ignored.get(reason, 0) + 1


def parse_payload(body: bytes, handled: Collection[str]) -> Payload:
    """The events of ``handled`` categories in a payload; ``PayloadError`` if it is not one."""
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise PayloadError(f"the body is not JSON ({error})") from None
    if not isinstance(document, dict) or not isinstance(document.get("events"), list):
        raise PayloadError("the body is not Xero's webhook payload: expected an object with "
                           "an events list")
    payload = Payload(first_sequence=_int(document.get("firstEventSequence")),
                      last_sequence=_int(document.get("lastEventSequence")))
    for item in document["events"]:
        event = _event(item, handled, payload)
        if event is not None:
            payload.events.append(event)
    return payload


def _event(item: Any, handled: Collection[str], payload: Payload) -> WebhookEvent | None:
    if not isinstance(item, dict):
        payload.ignore("not an object")
        return None
    if item.get("tenantType", "ORGANISATION") != "ORGANISATION":
        payload.ignore(f"tenantType {item.get('tenantType')}")
        return None
    category = str(item.get("eventCategory", "")).upper()
    if category not in handled:
        payload.ignore(f"category {category or 'missing'} (no mapping has webhooks: {category})")
        return None
    tenant, resource = _guid(item.get("tenantId")), _guid(item.get("resourceId"))
    moment = _moment(item.get("eventDateUtc"))
    event_type = str(item.get("eventType", "")).upper()
    if tenant is None or resource is None or moment is None or not event_type:
        payload.ignore("missing or malformed tenantId, resourceId, eventDateUtc or eventType")
        return None
    return WebhookEvent(tenant, category, event_type[:20], resource, moment,
                        json.dumps(item, ensure_ascii=False, separators=(",", ":")))


def _guid(value: Any) -> str | None:
    try:
        return str(uuid.UUID(str(value))).lower() if value else None
    except ValueError:
        return None


def _moment(value: Any) -> datetime | None:
    """Xero's ``eventDateUtc`` (``2024-06-21T01:15:39.902``, UTC) as naive UTC."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
