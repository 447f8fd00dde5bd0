"""The Accounting and Payroll APIs: the gateway's checks, then list and get-by-id.

Order of checks, as a client sees them: token (401), tenant (403), scope (401), injected
faults, rate limits (429), then the request itself (400 for a bad ``where``, 404 for an
unknown id).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from xero_sandbox import endpoints, malformed, msdate, reports, xmlrender
from xero_sandbox.endpoints import Endpoint
from xero_sandbox.http import (
    Reply,
    api_exception,
    encode_json,
    json_reply,
    not_found,
    problem,
    text_reply,
)
from xero_sandbox.identity import AccessToken
from xero_sandbox.oauth_routes import _expired_detail
from xero_sandbox.query import QueryParseError
from xero_sandbox.request import Request
from xero_sandbox.store import ListQuery, ListResult, Organisation, View, shape

if TYPE_CHECKING:
    from xero_sandbox.faults import FaultRule
    from xero_sandbox.state import SandboxState

INTERNAL_ERROR = (
    "An error occurred in Xero. Check the API Status page http://status.developer.xero.com for "
    "current service status. Contact the API support team at api@xero.com for more assistance."
)
UNAVAILABLE_TEXT = "The Xero API is temporarily unavailable"


def handle(state: SandboxState, request: Request, family: str, parts: list[str]) -> Reply:
    """Route one API call through the gateway's checks to the endpoint."""
    access = state.identity.lookup(request.bearer() or "")
    if access is None:
        return problem(401, "Unauthorized", "AuthenticationUnsuccessful")
    if access.expires_at < state.clock.now():
        return problem(401, "Unauthorized", _expired_detail(access.expires_at))
    tenant_id = _tenant(state, request, access)
    if tenant_id is None:
        return problem(403, "Forbidden", "AuthenticationUnsuccessful")
    endpoint = endpoints.find(family, parts[0]) if parts else None
    if endpoint is None or endpoint.retired or len(parts) > 2:
        return not_found()
    if not _scope_allows(access, endpoint, request.method, parts[1:]):
        headers = {"WWW-Authenticate": 'Bearer error="insufficient_scope"'}
        return problem(401, "Unauthorized", "AuthorizationUnsuccessful", headers)
    state.stats.record_call(tenant_id, endpoint.name)
    return _limited(state, request, access, tenant_id, endpoint, parts[1:])


def _tenant(state: SandboxState, request: Request, access: AccessToken) -> str | None:
    """The organisation named by ``xero-tenant-id`` (Custom Connections may leave it empty)."""
    named = (request.header("xero-tenant-id") or "").strip().lower()
    if not named and access.custom_tenant:
        return access.custom_tenant
    if named in state.organisations and state.identity.is_connected(access.client_id, named):
        return named
    return None


def _scope_allows(access: AccessToken, endpoint: Endpoint, method: str,
                  rest: list[str] | None = None) -> bool:
    """A scope of the endpoint's group, or its ``.read`` twin for reads; for one of the
    Reports, also that report's granular scope."""
    if endpoint.scope_group == "reports" and rest and method == "GET":
        granular = endpoints.REPORT_SCOPES.get(rest[0])
        if granular is not None and granular in access.scopes:
            return True
    for scope in endpoints.SCOPES[endpoint.scope_group]:
        if scope in access.scopes or (method == "GET" and f"{scope}.read" in access.scopes):
            return True
    return endpoint.scope_group == "journals" and "accounting.journals.read" in access.scopes


def _limited(state: SandboxState, request: Request, access: AccessToken, tenant_id: str,
             endpoint: Endpoint, rest: list[str]) -> Reply:
    """Injected faults first, then Xero's real limits, then the call itself."""
    fault = state.faults.pick("api", tenant_id, request.path)
    if fault is not None and fault.kind not in ("slow", "drop", *malformed.KINDS):
        return _injected(state, fault, access.client_id, tenant_id)
    kind = fault.kind if fault is not None else None
    if kind in malformed.REQUEST_KINDS:
        request = malformed.ignoring(request, str(kind))
    admission = state.limiter.admit(access.client_id, tenant_id)
    if admission.problem:
        state.stats.count_429(admission.problem)
        return json_reply(429, _rate_limit_body(admission.problem), admission.headers())
    try:
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay)
        reply = _serve(state, request, access, tenant_id, endpoint, rest)
    finally:
        state.limiter.release(access.client_id, tenant_id)
    reply.headers.update(admission.headers())
    reply.drop = kind == "drop"
    return malformed.garbled(reply, kind, endpoint.key) if kind else reply


def _injected(state: SandboxState, fault: FaultRule, client_id: str, tenant_id: str) -> Reply:
    """A 429, 500 or 503 that Xero could have sent, with the headers it would carry."""
    remaining = state.limiter.remaining(client_id, tenant_id)
    if fault.kind.startswith("429"):
        problem_kind = "day" if fault.kind == "429_day" else "minute"
        remaining.problem = problem_kind
        remaining.retry_after = 86_400 if problem_kind == "day" else 1
        if problem_kind == "day":
            remaining.day_remaining = 0
        state.stats.count_429(problem_kind)
        return json_reply(429, _rate_limit_body(problem_kind), remaining.headers())
    if fault.kind == "500":
        body = {"ErrorNumber": 500, "Type": "UnknownErrorException", "Message": INTERNAL_ERROR}
        return json_reply(500, body, remaining.headers())
    return text_reply(503, UNAVAILABLE_TEXT, remaining.headers())


def _rate_limit_body(problem_kind: str) -> dict[str, Any]:
    return {"Title": "Too Many Requests", "Status": 429,
            "Detail": f"You've exceeded the per {problem_kind} rate limit"}


def _serve(state: SandboxState, request: Request, access: AccessToken, tenant_id: str,
           endpoint: Endpoint, rest: list[str]) -> Reply:
    if request.method != "GET":
        return text_reply(501, "The sandbox serves reads only")
    organisation = state.organisations[tenant_id]
    if endpoint is endpoints.REPORTS:
        return _report(state, request, access, organisation, rest)
    try:
        with organisation.lock:
            result = _result(organisation, request, endpoint, rest)
            if result is None:
                return not_found()
            head = _envelope(state, access)
            if result.pagination is not None:
                head["pagination"] = result.pagination
            return _render(request, organisation, endpoint, head, result)
    except QueryParseError as error:
        return api_exception(400, 16, "QueryParseException", str(error))


def _report(state: SandboxState, request: Request, access: AccessToken,
            organisation: Organisation, rest: list[str]) -> Reply:
    """One of Xero's reports, computed from the organisation's ledger (reports.py)."""
    if not rest:
        return not_found()
    params = {key: values[-1] for key, values in request.query.items() if values}
    now_ms = state.clock.now_ms()
    try:
        with organisation.lock:
            report = reports.build(rest[0], organisation.data, params,
                                   msdate.from_ms(now_ms).date(), now_ms)
    except reports.ReportError as error:
        return api_exception(400, 10, "ValidationException", str(error))
    if report is None:
        return not_found()
    head = _envelope(state, access)
    headers = {"Xero-Correlation-Id": head["Id"]}
    if request.wants_json():
        return json_reply(200, {**head, "Reports": [report]}, headers)
    return Reply(200, xmlrender.render({**head, "Reports": [report]}),
                 "text/xml; charset=utf-8", headers)


def _result(organisation: Organisation, request: Request, endpoint: Endpoint,
            rest: list[str]) -> ListResult | None:
    """The records to answer with: one by id (full detail), or a list by Xero's rules."""
    if rest:
        record = organisation.get(endpoint, rest[0])
        result = None if record is None else ListResult([record], View(one=True))
    else:
        result = organisation.list(endpoint, list_query(request, endpoint))
    if result is not None and endpoint.unit_decimals and request.arg("unitdp") != "4":
        result.view = replace(result.view, unit_places=2)
    return result


def _envelope(state: SandboxState, access: AccessToken) -> dict[str, Any]:
    app = state.identity.apps[access.client_id]
    return {"Id": str(uuid.uuid4()), "Status": "OK", "ProviderName": app.name,
            "DateTimeUTC": f"/Date({state.clock.now_ms()})/"}


def _render(request: Request, organisation: Organisation, endpoint: Endpoint,
            head: dict[str, Any], result: ListResult) -> Reply:
    """JSON from each record's cached encoding (the hot path), or XML for other clients."""
    headers = {"Xero-Correlation-Id": head["Id"]}
    if request.wants_json():
        items = ",".join(organisation.encoded(endpoint, r, result.view) for r in result.records)
        body = f'{encode_json(head)[:-1]},"{endpoint.key}":[{items}]}}'
        return Reply(200, body.encode("utf-8"), headers=headers)
    shaped = [shape(r, endpoint, result.view) for r in result.records]
    return Reply(200, xmlrender.render({**head, endpoint.key: shaped}),
                 "text/xml; charset=utf-8", headers)


def list_query(request: Request, endpoint: Endpoint) -> ListQuery:
    """Decode a list request's parameters the way Xero reads them."""
    filters = {}
    for param in endpoint.extra_filters:
        value = request.arg(param)
        if value:
            filters[param] = [v.strip() for v in value.split(",") if v.strip()]
    return ListQuery(
        page=_int(request.arg("page")),
        page_size=_int(request.arg("pageSize")),
        offset=_int(request.arg("offset")),
        modified_since_ms=parse_if_modified_since(request.header("if-modified-since")),
        where=request.arg("where"),
        order=request.arg("order"),
        include_archived=request.flag("includeArchived"),
        include_deleted=request.flag("includeDeleted"),
        summary_only=endpoint.summary_only and request.flag("summaryOnly"),
        payments_only=request.flag("paymentsOnly"),
        filters=filters,
    )


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def parse_if_modified_since(value: str | None) -> int | None:
    """The instant of an If-Modified-Since header, in any form Xero's SDKs send.

    ISO-8601 with ``Z``, a numeric offset, fractional seconds or no zone (UTC), and the HTTP
    date form. An unreadable value is ignored, as HTTP says an invalid date must be.
    """
    if not value:
        return None
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return msdate.to_ms(moment)
