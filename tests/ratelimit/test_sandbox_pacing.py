"""Against the sandbox at a lowered minute limit, on the sandbox's own clock: the client paces
itself so that Xero never has to refuse a call, and spends no more time waiting than the rolling
window demands. The waits move the sandbox's clock instead of passing in real time."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.auth.conftest import connect_app, sandbox_clock, sandbox_settings
from tests.extract.conftest import NO_WAIT, SCOPES
from xero_sandbox.limits import Limits
from xero_sandbox.server import Sandbox
from xero_sandbox.state import SandboxConfig
from xero_sync.auth.crypto import TokenCipher
from xero_sync.auth.oauth import TokenManager
from xero_sync.auth.token_store import token_store
from xero_sync.client import XeroClient
from xero_sync.extract import ExtractSpec, extract
from xero_sync.ratelimit import RateLimiter, XeroLimits
from xero_sync.ratelimit.warehouse_ledger import warehouse_ledger
from xero_sync.warehouse.dbapi import WarehouseTarget

MINUTE_LIMIT = 10
INVOICES = ExtractSpec("invoices", "Invoices", "Invoices", "paged", paged=True,
                       page_size_param=True, params={"order": "UpdatedDateUTC ASC"},
                       id_field="InvoiceID")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    """``python -m xero_sandbox --minute-limit 10``, in process."""
    config = SandboxConfig(seed=9, tenants=1, scale=120, auto_consent=True,
                           limits=Limits(per_minute=MINUTE_LIMIT))
    with Sandbox(config) as running:
        yield running


def client_on_sandbox_time(sandbox: Sandbox, warehouse: Path,
                           limits: XeroLimits) -> XeroClient:
    """A client whose waits advance the sandbox's clock, pacing by the warehouse ledger."""
    sandbox.state.reset(identity=True, clock=True)
    settings = sandbox_settings(sandbox, scopes=SCOPES, rate_limits=limits)
    target = WarehouseTarget("sqlite", str(warehouse))
    store = token_store(target, TokenCipher(Fernet.generate_key().decode()))
    connect_app(sandbox, settings, store)
    clock = sandbox.state.clock
    limiter = RateLimiter(settings.client_id, warehouse_ledger(target), settings.rate_limits,
                          clock=clock.now, sleep=clock.advance)
    manager = TokenManager(settings, store, clock=sandbox_clock(sandbox))
    return XeroClient(settings, manager, NO_WAIT, sleep=clock.advance, limiter=limiter)


def stats(sandbox: Sandbox) -> dict[str, object]:
    return sandbox.state.stats.as_json()


def test_paced_client_gets_no_429_and_waits_only_what_the_window_needs(
        sandbox: Sandbox, tmp_path: Path) -> None:
    client = client_on_sandbox_time(sandbox, tmp_path / "w.db",
                                    XeroLimits(per_minute=MINUTE_LIMIT))
    tenant = next(iter(sandbox.state.tenant_names))
    pages = list(extract(client, INVOICES, tenant, page_size=4))
    calls = client.counter.calls
    assert calls == len(pages) > 3 * MINUTE_LIMIT
    assert stats(sandbox)["rate_limited"] == {}  # Xero never had to say no
    assert client.counter.rate_limit_waits == 0
    floor = 60 * math.floor((calls - 1) / MINUTE_LIMIT)
    waited = client.counter.paced_seconds
    assert sandbox.state.clock.offset == pytest.approx(waited)  # every wait moved the clock
    assert floor - 60 < waited <= 1.02 * floor  # the window's own wait, nothing on top


def test_an_unpaced_client_is_refused_at_the_same_limit(sandbox: Sandbox, tmp_path: Path) -> None:
    """The control: a client that believes Xero allows 60 calls meets 429s and waits them out
    (Retry-After, on the sandbox clock), which is what the pacing above avoids."""
    client = client_on_sandbox_time(sandbox, tmp_path / "w.db", XeroLimits(per_minute=60))
    tenant = next(iter(sandbox.state.tenant_names))
    list(extract(client, INVOICES, tenant, page_size=4))
    assert stats(sandbox)["rate_limited"].get("minute", 0) > 0  # type: ignore[attr-defined]
    assert client.counter.rate_limit_waits > 0


def test_two_clients_on_one_warehouse_share_the_organisations_minute(
        sandbox: Sandbox, tmp_path: Path) -> None:
    """Two DAGs syncing the same organisation, one after the other within the minute: the
    second paces by the first one's calls, recorded in the warehouse."""
    limits = XeroLimits(per_minute=MINUTE_LIMIT)
    first = client_on_sandbox_time(sandbox, tmp_path / "w.db", limits)
    tenant = next(iter(sandbox.state.tenant_names))
    list(extract(first, INVOICES, tenant, page_size=20))  # 7 calls: room left for 3
    second = XeroClient(first.settings, first.tokens, NO_WAIT, sleep=sandbox.state.clock.advance,
                        limiter=RateLimiter(first.settings.client_id,
                                            warehouse_ledger(WarehouseTarget(
                                                "sqlite", str(tmp_path / "w.db"))), limits,
                                            clock=sandbox.state.clock.now,
                                            sleep=sandbox.state.clock.advance))
    list(extract(second, INVOICES, tenant, page_size=20))
    assert stats(sandbox)["rate_limited"] == {}
    assert second.counter.paced_seconds > 0 and first.counter.paced_seconds == 0
