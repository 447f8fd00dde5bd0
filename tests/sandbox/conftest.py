"""A sandbox per test session, reset to its seeded state before every test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from xero_sandbox.server import Sandbox
from xero_sandbox.state import SandboxConfig

REDIRECT_URI = "http://localhost:8799/callback"
ALL_READ_SCOPES = (
    "openid profile email offline_access accounting.settings.read accounting.contacts.read "
    "accounting.transactions.read accounting.journals.read payroll.employees.read"
)


class SandboxClient:
    """Plain HTTP against the sandbox, as a client that knows Xero's protocol would speak it."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.url = sandbox.url
        self.config = sandbox.state.config
        self.tenants = list(sandbox.state.tenant_names)
        self.http = requests.Session()

    def authorization_code(self, scope: str = ALL_READ_SCOPES) -> str:
        """Walk the consent redirect (auto-consent) and return the code."""
        params = {"response_type": "code", "client_id": self.config.client_id,
                  "redirect_uri": REDIRECT_URI, "scope": scope, "state": "xyz"}
        reply = self.http.get(f"{self.url}/identity/connect/authorize", params=params,
                              allow_redirects=False, timeout=10)
        assert reply.status_code == 302, reply.text
        location = urlsplit(reply.headers["Location"])
        query = parse_qs(location.query)
        assert query["state"] == ["xyz"]
        return query["code"][0]

    def token(self, **form: str) -> requests.Response:
        """POST /connect/token with the web app's credentials as a Basic header."""
        return self.http.post(f"{self.url}/connect/token", data=form,
                              auth=(self.config.client_id, self.config.client_secret),
                              timeout=10)

    def authorize(self, scope: str = ALL_READ_SCOPES) -> dict[str, Any]:
        """A full authorization-code flow; returns the token response."""
        code = self.authorization_code(scope)
        reply = self.token(grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI)
        assert reply.status_code == 200, reply.text
        return dict(reply.json())

    def api(self, path: str, access_token: str, tenant: str | None = "first",
            params: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
            accept_json: bool = True) -> requests.Response:
        """GET an Accounting (or Payroll) path as the official SDK would."""
        sent = {"Authorization": f"Bearer {access_token}"}
        if accept_json:
            sent["Accept"] = "application/json"
        if tenant is not None:
            sent["xero-tenant-id"] = self.tenants[0] if tenant == "first" else tenant
        sent.update(headers or {})
        return self.http.get(f"{self.url}{path}", params=params, headers=sent, timeout=30)

    def admin(self, method: str, name: str, **kwargs: Any) -> Any:
        """Call the admin API and return its JSON."""
        reply = self.http.request(method, f"{self.url}/_sandbox/{name}", timeout=60, **kwargs)
        assert reply.status_code == 200, reply.text
        return reply.json()


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    """One server for the session: small organisations, headless consent."""
    config = SandboxConfig(seed=7, tenants=2, scale=300, auto_consent=True)
    with Sandbox(config) as running:
        yield running


@pytest.fixture
def client(sandbox: Sandbox) -> SandboxClient:
    """A client against a sandbox freshly reset: data, tokens, clock, limits, faults, stats."""
    sandbox.state.reset(identity=True, clock=True)
    return SandboxClient(sandbox)


@pytest.fixture
def access_token(client: SandboxClient) -> str:
    """A fresh access token with every read scope."""
    return str(client.authorize()["access_token"])
