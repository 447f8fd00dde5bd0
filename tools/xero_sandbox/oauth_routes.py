"""Identity routes: consent page, token endpoint, revocation, discovery and connections."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit

from xero_sandbox import msdate
from xero_sandbox.http import Reply, html_reply, json_reply, not_found, problem, redirect
from xero_sandbox.identity import App, OAuthError
from xero_sandbox.request import Request

if TYPE_CHECKING:
    from xero_sandbox.state import SandboxState

NO_STORE = {"Cache-Control": "max-age=0, no-cache, no-store", "Pragma": "no-cache"}


def _redirect_allowed(uri: str) -> bool:
    """Xero requires https redirect URIs except for localhost (xero-api.md section 4.2)."""
    parts = urlsplit(uri)
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and parts.hostname in {"localhost", "127.0.0.1", "::1"}


def _consent_error(message: str) -> Reply:
    return html_reply(400, f"<!doctype html><title>Error</title><p>{html.escape(message)}</p>")


def authorize(state: SandboxState, request: Request, auto_consent: bool) -> Reply:
    """``GET /identity/connect/authorize``: the consent page, or straight back when headless."""
    params = {key: (request.arg(key) or "") for key in
              ("response_type", "client_id", "redirect_uri", "scope", "state",
               "code_challenge", "code_challenge_method")}
    if params["client_id"] not in state.identity.apps:
        return _consent_error("unauthorized_client: unknown client_id")
    if params["response_type"] != "code" or not _redirect_allowed(params["redirect_uri"]):
        return _consent_error("invalid_request: response_type or redirect_uri")
    if not params["scope"].strip():
        return _consent_error("invalid_scope: no scope requested")
    if auto_consent:
        return _approve(state, params, list(state.tenant_names))
    return html_reply(200, _consent_page(state, params))


def consent(state: SandboxState, request: Request) -> Reply:
    """``POST /identity/connect/authorize``: the user's answer on the consent page."""
    form = request.form()
    if form.get("client_id") not in state.identity.apps:
        return _consent_error("unauthorized_client: unknown client_id")
    if form.get("decision") != "allow":
        query = urlencode({"error": "access_denied", "state": form.get("state", "")})
        return redirect(f"{form.get('redirect_uri', '')}?{query}")
    chosen = [t for t in state.tenant_names if form.get(f"tenant_{t}") == "on"]
    return _approve(state, form, chosen or list(state.tenant_names))


def _approve(state: SandboxState, params: dict[str, str], tenant_ids: list[str]) -> Reply:
    scopes = frozenset(params["scope"].split())
    code = state.identity.issue_code(
        params["client_id"], params["redirect_uri"], scopes, tenant_ids,
        params.get("code_challenge") or None,
    )
    query = {"code": code, "scope": params["scope"], "state": params.get("state", "")}
    separator = "&" if "?" in params["redirect_uri"] else "?"
    return redirect(f"{params['redirect_uri']}{separator}{urlencode(query)}")


def _consent_page(state: SandboxState, params: dict[str, str]) -> str:
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{html.escape(value)}">'
        for name, value in params.items()
    )
    tenants = "".join(
        f'<label><input type="checkbox" name="tenant_{tenant_id}" checked> '
        f"{html.escape(name)}</label><br>"
        for tenant_id, name in state.tenant_names.items()
    )
    app = state.identity.apps[params["client_id"]]
    return (
        "<!doctype html><meta charset=utf-8><title>Xero | Authorise app</title>"
        f"<h1>{html.escape(app.name)} wants access to your organisations</h1>"
        f"<p>Scopes: {html.escape(params['scope'])}</p>"
        f'<form method="post" action="/identity/connect/authorize">{hidden}{tenants}'
        '<button name="decision" value="allow">Allow access</button> '
        '<button name="decision" value="deny">Cancel</button></form>'
    )


def token(state: SandboxState, request: Request) -> Reply:
    """``POST /connect/token``: code exchange, refresh and client credentials."""
    state.stats.identity["token"] += 1
    form = request.form()
    try:
        app = _client(state, request, form)
        grant_type = form.get("grant_type", "")
        if grant_type == "authorization_code":
            body = state.identity.exchange_code(
                app, form.get("code", ""), form.get("redirect_uri", ""), form.get("code_verifier")
            )
        elif grant_type == "refresh_token":
            body = state.identity.refresh(app, form.get("refresh_token", ""))
        elif grant_type == "client_credentials":
            body = state.identity.client_credentials(app, frozenset(form.get("scope", "").split()))
        else:
            raise OAuthError("unsupported_grant_type")
    except OAuthError as error:
        return json_reply(error.status, {"error": error.error}, NO_STORE)
    return json_reply(200, body, NO_STORE)


def revoke(state: SandboxState, request: Request) -> Reply:
    """``POST /connect/revocation``: kills the refresh token and the app's connections."""
    form = request.form()
    try:
        app = _client(state, request, form)
    except OAuthError as error:
        return json_reply(error.status, {"error": error.error})
    state.identity.revoke(app, form.get("token", ""))
    return Reply(200)


def _client(state: SandboxState, request: Request, form: dict[str, str]) -> App:
    """Client authentication by Basic header or by form fields, as Xero accepts both."""
    credentials = request.basic_credentials()
    if credentials is None:
        credentials = (form.get("client_id", ""), form.get("client_secret", ""))
    return state.identity.authenticate_client(*credentials)


def discovery(base_url: str) -> Reply:
    """OpenID discovery, so OIDC clients find the endpoints on the sandbox."""
    return json_reply(200, {
        "issuer": base_url,
        "authorization_endpoint": f"{base_url}/identity/connect/authorize",
        "token_endpoint": f"{base_url}/connect/token",
        "revocation_endpoint": f"{base_url}/connect/revocation",
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "code_challenge_methods_supported": ["S256"],
    })


def connections(state: SandboxState, request: Request, connection_id: str | None) -> Reply:
    """``GET /connections`` and ``DELETE /connections/{id}``."""
    state.stats.identity["connections"] += 1
    access = state.identity.lookup(request.bearer() or "")
    if access is None:
        return problem(401, "Unauthorized", "AuthenticationUnsuccessful")
    if access.expires_at < state.clock.now():
        return problem(401, "Unauthorized", _expired_detail(access.expires_at))
    if request.method == "DELETE" and connection_id:
        if state.identity.disconnect(access.client_id, connection_id):
            return Reply(204)
        return not_found()
    wanted_event = request.arg("authEventId")
    listed = [
        {
            "id": c.id, "authEventId": c.auth_event_id, "tenantId": c.tenant_id,
            "tenantType": "ORGANISATION", "tenantName": c.tenant_name,
            "createdDateUtc": msdate.iso_no_zone(c.created_ms, 7),
            "updatedDateUtc": msdate.iso_no_zone(c.updated_ms, 7),
        }
        for c in state.identity.connections_for(access.client_id)
        if not wanted_event or c.auth_event_id == wanted_event
    ]
    return json_reply(200, listed)


def _expired_detail(expires_at: float) -> str:
    """Xero's wording, with its ``MM/dd/yyyy HH:mm:ss`` UTC timestamp."""
    stamp = msdate.from_ms(int(expires_at * 1000)).strftime("%m/%d/%Y %H:%M:%S")
    return f"TokenExpired: token expired at {stamp}"
