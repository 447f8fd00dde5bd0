"""XeroHook is configured only by its Airflow connections and reads through the sandbox."""

from __future__ import annotations

import pytest

from xero_sandbox.server import Sandbox
from xero_sync.errors import ConfigurationError, NoOrganisationsConnected
from xero_sync.extract import ExtractSpec
from xero_sync.hooks.xero import XeroHook
from xero_sync.tasks import resolve_tenants


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
