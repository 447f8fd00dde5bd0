"""XML responses, for clients that forget ``Accept: application/json``.

Xero's Accounting API answers in XML unless JSON is asked for (xero-api.md section 2.1). A
client that parses the body as JSON must fail loudly here, exactly as it would against Xero.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from xero_sandbox import msdate

# Collections whose element name is not the plain singular of the collection.
_SINGULAR = {
    "Addresses": "Address", "Tracking": "TrackingCategory", "TaxComponents": "TaxComponent",
    "Organisations": "Organisation", "Currencies": "Currency", "ContactPersons": "ContactPerson",
    "Options": "Option", "BatchPayments": "BatchPayment", "Allocations": "Allocation",
    "TrackingCategories": "TrackingCategory", "Journals": "Journal", "JournalLines": "JournalLine",
}


def render(envelope: dict[str, Any]) -> bytes:
    """The envelope as Xero's ``<Response>`` document."""
    body = "".join(_element(name, value) for name, value in envelope.items())
    document = f'<Response xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{body}</Response>'
    return document.encode("utf-8")


def _singular(name: str) -> str:
    if name in _SINGULAR:
        return _SINGULAR[name]
    if name.endswith("ies"):
        return name[:-3] + "y"
    return name[:-1] if name.endswith("s") else name


def _element(name: str, value: Any) -> str:
    if isinstance(value, list):
        child = _singular(name)
        return f"<{name}>{''.join(_element(child, item) for item in value)}</{name}>"
    if isinstance(value, dict):
        inner = "".join(_element(key, item) for key, item in value.items())
        return f"<{name}>{inner}</{name}>"
    return f"<{name}>{escape(_scalar(value))}</{name}>"


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        ms = msdate.parse_ms(value)
        return msdate.iso_no_zone(ms) if ms is not None else value
    return str(value)
