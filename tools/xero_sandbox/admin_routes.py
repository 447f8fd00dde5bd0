"""The admin API under ``/_sandbox/``: what tests use to observe and steer the sandbox."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from xero_sandbox.faults import FaultSpecError
from xero_sandbox.http import Reply, json_reply
from xero_sandbox.request import Request
from xero_sandbox.state import EditError

if TYPE_CHECKING:
    from xero_sandbox.state import SandboxState


def _error(message: str, status: int = 400) -> Reply:
    return json_reply(status, {"error": message})


def handle(state: SandboxState, request: Request, name: str) -> Reply:
    """Dispatch ``/_sandbox/<name>``."""
    try:
        body = request.json() if request.method in ("POST", "PUT") else {}
    except ValueError:
        return _error("the body must be JSON")
    if not isinstance(body, dict):
        return _error("the body must be a JSON object")
    routes = {
        ("GET", "stats"): lambda: stats(state),
        ("GET", "requests"): lambda: json_reply(200, state.requests.as_json()),
        ("POST", "reset"): lambda: reset(state, body),
        ("GET", "faults"): lambda: json_reply(200, {"rules": state.faults.rules()}),
        ("POST", "faults"): lambda: add_faults(state, body),
        ("DELETE", "faults"): lambda: clear_faults(state),
        ("GET", "clock"): lambda: clock(state),
        ("POST", "clock"): lambda: advance_clock(state, body),
        ("GET", "truth"): lambda: truth(state, request),
        ("POST", "activity"): lambda: activity(state, body),
        ("GET", "limits"): lambda: json_reply(200, asdict(state.limiter.limits)),
        ("POST", "limits"): lambda: set_limits(state, body),
        ("GET", "tenants"): lambda: tenants(state),
        ("POST", "config"): lambda: set_config(state, body),
        ("POST", "edit"): lambda: edit(state, body),
        ("GET", "webhooks"): lambda: json_reply(200, state.webhooks.as_json()),
        ("POST", "webhooks"): lambda: subscribe(state, body),
        ("DELETE", "webhooks"): lambda: unsubscribe(state),
        ("POST", "intent_to_receive"): lambda: intent_to_receive(state),
    }
    route = routes.get((request.method, name))
    if route is None:
        return _error(f"no admin route {request.method} /_sandbox/{name}", 404)
    return route()


def stats(state: SandboxState) -> Reply:
    """Calls per tenant and endpoint, statuses, 429s, token traffic, faults injected."""
    counters = state.identity.counters
    payload = state.stats.as_json()
    payload["tokens"] = {
        "issued": dict(counters.issued), "refreshed": counters.refreshed,
        "grace_refreshes": counters.grace_refreshes, "invalid_grant": counters.invalid_grant,
        "revoked": counters.revoked,
    }
    payload["faults_injected"] = dict(state.faults.injected)
    payload["webhooks"] = state.webhooks.as_json()["stats"]
    return json_reply(200, payload)


def reset(state: SandboxState, body: dict[str, Any]) -> Reply:
    """Back to the seeded data; ``identity`` and ``clock`` too when asked."""
    state.reset(identity=bool(body.get("identity")), clock=bool(body.get("clock")))
    return json_reply(200, {"reset": True})


def add_faults(state: SandboxState, body: dict[str, Any]) -> Reply:
    """Add one rule, or several under ``rules``."""
    specs = body.get("rules", [body])
    try:
        added = [state.faults.add(dict(spec)) for spec in specs]
    except FaultSpecError as error:
        return _error(str(error))
    return json_reply(200, {"added": [asdict(rule) for rule in added]})


def clear_faults(state: SandboxState) -> Reply:
    """Stop injecting faults."""
    state.faults.clear()
    return json_reply(200, {"rules": []})


def clock(state: SandboxState) -> Reply:
    """The sandbox's now and how far it runs ahead of real time."""
    return json_reply(200, {"now_ms": state.clock.now_ms(), "offset_seconds": state.clock.offset})


def advance_clock(state: SandboxState, body: dict[str, Any]) -> Reply:
    """Move the clock forward by ``seconds``."""
    seconds = body.get("seconds")
    if not isinstance(seconds, int | float) or seconds < 0:
        return _error("seconds must be a number >= 0")
    state.clock.advance(float(seconds))
    return clock(state)


def truth(state: SandboxState, request: Request) -> Reply:
    """Records per tenant and object; without ``object``, counts per object."""
    tenant = request.arg("tenant")
    key = request.arg("object")
    chosen = [tenant] if tenant else list(state.organisations)
    unknown = [t for t in chosen if t not in state.organisations]
    if unknown:
        return _error(f"unknown tenant {unknown[0]}; see /_sandbox/tenants", 404)
    if key is None:
        counts = {
            t: {k: len(v) for k, v in state.organisations[t].data.items()} for t in chosen
        }
        return json_reply(200, {"counts": counts})
    if key not in state.organisations[chosen[0]].endpoints:
        return _error(f"unknown object {key}; use a collection key such as Invoices", 404)
    return json_reply(200, {t: state.truth(t, key) for t in chosen})


def activity(state: SandboxState, body: dict[str, Any]) -> Reply:
    """Make each organisation change as its users would."""
    intensity = body.get("intensity", 10)
    if not isinstance(intensity, int) or intensity < 1:
        return _error("intensity must be an integer >= 1")
    tenant = body.get("tenant")
    if tenant is not None and tenant not in state.organisations:
        return _error(f"unknown tenant {tenant}", 404)
    return json_reply(200, state.simulate(intensity, tenant))


def set_limits(state: SandboxState, body: dict[str, Any]) -> Reply:
    """Change the rate limits (tests shrink them to reach one quickly)."""
    limits = state.limiter.limits
    for name, value in body.items():
        if not hasattr(limits, name) or not isinstance(value, int) or value < 1:
            return _error(f"{name} must be one of per_minute, per_day, concurrent, "
                          "app_per_minute, with an integer >= 1")
        setattr(limits, name, value)
    return json_reply(200, asdict(limits))


def set_config(state: SandboxState, body: dict[str, Any]) -> Reply:
    """Change the access-token lifetime (``access_token_ttl`` seconds) for new tokens."""
    ttl = body.get("access_token_ttl")
    if not isinstance(ttl, int) or ttl < 1:
        return _error("access_token_ttl must be an integer >= 1")
    state.identity.access_token_ttl = ttl
    state.config.access_token_ttl = ttl
    return json_reply(200, {"access_token_ttl": ttl})


def tenants(state: SandboxState) -> Reply:
    """The organisations this sandbox simulates, with the apps' credentials."""
    config = state.config
    return json_reply(200, {
        "tenants": [{"tenantId": t, "tenantName": n} for t, n in state.tenant_names.items()],
        "client_id": config.client_id,
        "custom_client_id": config.custom_client_id,
        "custom_tenant": next(iter(state.tenant_names)),
    })


def edit(state: SandboxState, body: dict[str, Any]) -> Reply:
    """A user edits one record (``tenant``, ``object``; optional ``id`` and ``fields``); its
    UpdatedDateUTC moves to now and the webhook event is sent."""
    tenant = body.get("tenant") or next(iter(state.organisations))
    fields = body.get("fields")
    if fields is not None and not isinstance(fields, dict):
        return _error("fields must be an object of field names and values")
    try:
        return json_reply(200, state.edit(str(tenant), str(body.get("object", "Invoices")),
                                          body.get("id"), fields))
    except EditError as error:
        return _error(str(error), 404 if "unknown" in str(error) or "no " in str(error) else 400)


def subscribe(state: SandboxState, body: dict[str, Any]) -> Reply:
    """Subscribe a receiver (``url``, ``key``; optional ``batch_seconds``, ``max_events``,
    ``lose_next``); with ``validate`` (the default) Xero's intent-to-receive check runs first
    and a receiver that fails it gets no events."""
    url, key = body.get("url"), body.get("key")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return _error("url must be the receiver's http(s) URL")
    if not isinstance(key, str) or not key:
        return _error("key must be the webhook signing key (a non-empty string)")
    batch = body.get("batch_seconds", 1.0)
    most = body.get("max_events", 100)
    lose = body.get("lose_next", 0)
    if not isinstance(batch, int | float) or batch < 0:
        return _error("batch_seconds must be a number >= 0")
    if not isinstance(most, int) or most < 1 or not isinstance(lose, int) or lose < 0:
        return _error("max_events must be an integer >= 1 and lose_next an integer >= 0")
    state.webhooks.subscribe(url, key, float(batch), most)
    state.webhooks.lose(lose)
    payload = state.webhooks.as_json()
    if body.get("validate", True):
        payload["intent_to_receive"] = state.webhooks.validate()
        payload["subscription"] = state.webhooks.as_json()["subscription"]
    return json_reply(200, payload)


def unsubscribe(state: SandboxState) -> Reply:
    """No more webhooks; queued events and retries are dropped."""
    state.webhooks.unsubscribe()
    return json_reply(200, state.webhooks.as_json())


def intent_to_receive(state: SandboxState) -> Reply:
    """Run Xero's intent-to-receive validation against the subscribed receiver."""
    try:
        return json_reply(200, state.webhooks.validate())
    except ValueError as error:
        return _error(str(error), 409)
