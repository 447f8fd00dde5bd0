"""A sandbox for the reporting tests: two organisations, small enough to sync in seconds."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.sandbox.conftest import SandboxClient
from xero_sandbox.server import Sandbox
from xero_sandbox.state import SandboxConfig

REPORT_SCOPES = "openid offline_access accounting.settings.read accounting.reports.read"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(seed=21, tenants=2, scale=150, auto_consent=True)) as running:
        yield running


@pytest.fixture
def client(sandbox: Sandbox) -> SandboxClient:
    """A client of the sandbox as seeded (data, tokens, clock)."""
    sandbox.state.reset(identity=True, clock=True)
    return SandboxClient(sandbox)


@pytest.fixture
def token(client: SandboxClient) -> str:
    """An access token allowed to read reports."""
    return str(client.authorize(REPORT_SCOPES)["access_token"])
