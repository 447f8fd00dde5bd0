"""A two-organisation sandbox and a real token manager for the extraction tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from cryptography.fernet import Fernet

from tests.auth.conftest import connect_app, sandbox_clock, sandbox_settings
from xero_sandbox.server import Sandbox
from xero_sandbox.state import SandboxConfig
from xero_sync.auth.crypto import TokenCipher
from xero_sync.auth.oauth import TokenManager
from xero_sync.auth.token_store import token_store
from xero_sync.client import RetryPolicy, XeroClient
from xero_sync.hooks.xero import XeroHook
from xero_sync.settings import XeroSettings
from xero_sync.warehouse.dbapi import WarehouseTarget

SCOPES = ("offline_access", "accounting.settings.read", "accounting.contacts.read",
          "accounting.transactions.read", "accounting.journals.read", "payroll.employees.read")
NO_WAIT = RetryPolicy(backoff_base=0.0, backoff_max=0.0, max_attempts=10)


@pytest.fixture(scope="session")
def two_orgs() -> Iterator[Sandbox]:
    """Two organisations of about 2,500 invoices: more than two pages of 1,000."""
    with Sandbox(SandboxConfig(seed=5, tenants=2, scale=2500, auto_consent=True)) as running:
        yield running


class Xero:
    """The sandbox plus a connected client, as a task would have them."""

    def __init__(self, sandbox: Sandbox, settings: XeroSettings, client: XeroClient,
                 slept: list[float]) -> None:
        self.sandbox = sandbox
        self.settings = settings
        self.client = client
        self.slept = slept
        self.tenants = list(sandbox.state.tenant_names)

    def admin(self, method: str, name: str, **kwargs: Any) -> Any:
        reply = requests.request(method, f"{self.sandbox.url}/_sandbox/{name}", timeout=60,
                                 **kwargs)
        assert reply.status_code == 200, reply.text
        return reply.json()

    def truth(self, key: str, tenant: str) -> list[dict[str, Any]]:
        return list(self.admin("GET", "truth", params={"tenant": tenant, "object": key})[tenant])

    def calls(self, tenant: str, resource: str) -> int:
        return int(self.admin("GET", "stats")["calls"].get(tenant, {}).get(resource, 0))

    def token_calls(self) -> int:
        return int(self.admin("GET", "stats")["identity"].get("token", 0))


@pytest.fixture
def xero(two_orgs: Sandbox, tmp_path: Any) -> Xero:
    """A freshly reset sandbox and a client whose tokens live in an SQLite token store."""
    two_orgs.state.reset(identity=True, clock=True)
    settings = sandbox_settings(two_orgs, scopes=SCOPES)
    store = token_store(WarehouseTarget("sqlite", str(tmp_path / "w.db")),
                        TokenCipher(Fernet.generate_key().decode()))
    connect_app(two_orgs, settings, store)
    manager = TokenManager(settings, store, clock=sandbox_clock(two_orgs))
    slept: list[float] = []
    client = XeroClient(settings, manager, NO_WAIT, sleep=slept.append)
    return Xero(two_orgs, settings, client, slept)


@pytest.fixture
def hook(two_orgs: Sandbox, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> XeroHook:
    """Connections as environment variables, tokens stored by an earlier 'authorize'."""
    two_orgs.state.reset(identity=True, clock=True)
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("XERO_SYNC_FERNET_KEY", key)
    config = two_orgs.state.config
    monkeypatch.setenv("AIRFLOW_CONN_XERO_DEFAULT", json.dumps({
        "conn_type": "xero", "login": config.client_id, "password": config.client_secret,
        "extra": {"api_url": two_orgs.url, "identity_url": two_orgs.url,
                  "login_url": two_orgs.url, "scopes": " ".join(SCOPES)}}))
    database = str(tmp_path / "warehouse.db")
    monkeypatch.setenv("AIRFLOW_CONN_XERO_WAREHOUSE", json.dumps(
        {"conn_type": "sqlite", "host": database}))
    store = token_store(WarehouseTarget("sqlite", database), TokenCipher(key))
    connect_app(two_orgs, sandbox_settings(two_orgs, scopes=SCOPES), store)
    return XeroHook()
