"""XeroHook is configured only by its Airflow connections and reads through the sandbox."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.fernet import Fernet

from tests.auth.conftest import connect_app, sandbox_settings
from tests.extract.conftest import SCOPES
from xero_sandbox.server import Sandbox
from xero_sync.auth.crypto import TokenCipher
from xero_sync.auth.token_store import token_store
from xero_sync.errors import ConfigurationError, NoOrganisationsConnected
from xero_sync.extract import ExtractSpec
from xero_sync.hooks.xero import XeroHook
from xero_sync.tasks import resolve_tenants
from xero_sync.warehouse.dbapi import WarehouseTarget


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


def test_hook_lists_connected_tenants(hook: XeroHook, two_orgs: Sandbox) -> None:
    assert sorted(hook.tenant_ids()) == sorted(two_orgs.state.tenant_names)
    first = next(iter(two_orgs.state.tenant_names))
    assert hook.tenant_ids([first.upper()]) == [first]


def test_hook_refuses_a_tenant_that_is_not_connected(hook: XeroHook) -> None:
    with pytest.raises(ConfigurationError, match="not connected to the Xero app"):
        hook.tenant_ids(["00000000-0000-4000-8000-000000000000"])


def test_every_organisation_disconnected_fails_the_run_naming_the_fix(
        hook: XeroHook, two_orgs: Sandbox) -> None:
    from airflow.sdk.definitions.retry_policy import RetryAction

    from xero_sync.dag_factory import RETRY_POLICY

    identity, app = two_orgs.state.identity, two_orgs.state.config.client_id
    for connection in identity.connections_for(app):
        identity.disconnect(app, connection.id)
    with pytest.raises(NoOrganisationsConnected) as caught:
        resolve_tenants(None)  # the DAG's first task: never an empty list, a skipped sync
    message = str(caught.value)
    assert "no Xero organisation is connected" in message
    assert "python -m xero_sync.auth authorize --conn-id xero_default" in message
    assert not caught.value.retryable
    assert RETRY_POLICY.evaluate(caught.value, 1, 4).action == RetryAction.FAIL


def test_hook_extracts_with_the_connection_page_size(hook: XeroHook, two_orgs: Sandbox) -> None:
    tenant = next(iter(two_orgs.state.tenant_names))
    spec = ExtractSpec("invoices", "Invoices", "Invoices", "paged", paged=True,
                       page_size_param=True)
    pages = list(hook.extract(spec, tenant))
    assert sum(len(p.records) for p in pages) == len(two_orgs.state.truth(tenant, "Invoices"))
    assert len(pages[0].records) == 1000


def test_test_connection_button(hook: XeroHook) -> None:
    ok, message = hook.test_connection()
    assert ok
    assert message == "connected to 2 Xero organisation(s)"
