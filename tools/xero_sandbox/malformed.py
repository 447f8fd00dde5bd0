"""Answers a glitching Xero (or a proxy in front of it) gives, for the ``faults`` admin API.

Two families, each a fault kind:

* bodies that are not what the API promises, with status 200: ``empty``, ``truncated`` (the
  real body cut in half), ``html_as_json`` (a gateway's error page labelled JSON),
  ``maintenance`` (a ``text/html`` maintenance page), ``xml`` (the Accept header ignored),
  ``list_body`` (a JSON list where the envelope object belongs), ``no_collection`` and
  ``null_collection`` (the envelope without its records);
* requests served as if a parameter were missing: ``ignore_page`` (always page 1),
  ``ignore_modified_since`` (If-Modified-Since dropped), ``ignore_offset`` (Journals from
  the start) and ``ignore_paging`` (all three): the server that repeats itself, which paging
  loops must notice.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from xero_sandbox.http import Reply
from xero_sandbox.request import Request

BODY_KINDS = ("empty", "truncated", "html_as_json", "maintenance", "xml", "list_body",
              "no_collection", "null_collection")
REQUEST_KINDS = ("ignore_page", "ignore_modified_since", "ignore_offset", "ignore_paging")
KINDS = BODY_KINDS + REQUEST_KINDS
_JSON = "application/json; charset=utf-8"
MAINTENANCE_PAGE = ("<!DOCTYPE html><html><head><title>Xero is down for maintenance</title>"
                    "</head><body><h1>We'll be back soon</h1><p>Xero is undergoing scheduled "
                    "maintenance.</p></body></html>")
GATEWAY_PAGE = ("<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad "
                "Gateway</h1></center></body></html>")


def ignoring(request: Request, kind: str) -> Request:
    """The request as a server that ignores one of its parameters reads it."""
    query, headers = dict(request.query), dict(request.headers)
    if kind in ("ignore_page", "ignore_paging") and request.arg("page") is not None:
        query = {k: v for k, v in query.items() if k.lower() != "page"}
        query["page"] = ["1"]
    if kind in ("ignore_offset", "ignore_paging"):
        query = {k: v for k, v in query.items() if k.lower() != "offset"}
    if kind in ("ignore_modified_since", "ignore_paging"):
        headers.pop("if-modified-since", None)
    return replace(request, query=query, headers=headers)


def garbled(reply: Reply, kind: str, collection: str) -> Reply:
    """A 200 answer replaced by the malformed one ``kind`` names (others pass unchanged)."""
    if reply.status != 200 or kind not in BODY_KINDS:
        return reply
    headers = dict(reply.headers)
    if kind == "maintenance":
        return Reply(200, MAINTENANCE_PAGE.encode(), "text/html; charset=utf-8", headers)
    if kind == "xml":
        return Reply(200, b"<Response><Status>OK</Status></Response>", "text/xml", headers)
    bodies: dict[str, bytes] = {
        "empty": b"",
        "truncated": reply.body[:max(1, len(reply.body) // 2)],
        "html_as_json": GATEWAY_PAGE.encode(),
    }
    if kind in bodies:
        return Reply(200, bodies[kind], _JSON, headers)
    envelope: Any = json.loads(reply.body)
    if kind == "list_body":
        envelope = envelope.get(collection, [])
    elif kind == "no_collection":
        envelope.pop(collection, None)
    else:
        envelope[collection] = None
    return Reply(200, json.dumps(envelope).encode(), _JSON, headers)
