"""Fixtures for the token store and OAuth tests: keys, warehouses, and a sandbox Xero.

PostgreSQL tests use a scratch schema in the ``postgres`` database at 127.0.0.1:5432, dropped
afterwards; they skip when the server is unreachable unless ``REQUIRE_POSTGRES=1``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import airflow.sdk  # noqa: F401 - see below
import pytest
import requests
from cryptography.fernet import Fernet

from xero_sync.auth.crypto import TokenCipher
from xero_sync.auth.oauth import OAuthClient, TokenManager
from xero_sync.auth.store_base import TokenStore
from xero_sync.auth.token_store import token_store
from xero_sync.auth.tokens import TokenSet
from xero_sync.settings import XeroSettings
from xero_sync.warehouse.dbapi import WarehouseTarget

FAST_RETRIES = (0.01, 0.02, 0.04)
# Importing airflow.sdk adds a root StreamHandler bound to the sys.stdout of that moment. Done
# first inside a test using capsys, that stream is closed after the test and every later log
# record fails with "I/O operation on closed file"; importing it here, at collection, binds it
# to pytest's session-long capture instead.
PG_TARGET = WarehouseTarget("postgres", "postgres", "127.0.0.1", 5432, "postgres")
REDIRECT_URI = "http://localhost:8799/callback"
SCOPES = ("openid", "profile", "email", "offline_access", "accounting.settings.read",
          "accounting.contacts.read", "accounting.transactions.read")


def postgres_available() -> bool:
    """Whether the test PostgreSQL answers; with REQUIRE_POSTGRES=1 its absence fails."""
    import psycopg

    try:
        psycopg.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres",
                        connect_timeout=3).close()
    except psycopg.Error as error:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL at 127.0.0.1:5432 is required (REQUIRE_POSTGRES=1): {error}")
        return False
    return True


def drop_schema(schema: str) -> None:
    """Remove a scratch schema and everything in it."""
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres",
                         autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@dataclass
class Warehouse:
    """A token-store location for one test: target plus schema."""

    target: WarehouseTarget
    schema: str
    uri: str

    def store(self, cipher: TokenCipher) -> TokenStore:
        """A store on this warehouse with the given key."""
        return token_store(self.target, cipher, self.schema)


@pytest.fixture
def fernet_key() -> str:
    """A fresh Fernet key."""
    return Fernet.generate_key().decode()


@pytest.fixture
def cipher(fernet_key: str) -> TokenCipher:
    """A cipher with a fresh key."""
    return TokenCipher(fernet_key)


def _sqlite(tmp_path: Any) -> Warehouse:
    path = tmp_path / "warehouse.db"
    return Warehouse(WarehouseTarget("sqlite", str(path)), "xero", f"sqlite:///{path}")


@pytest.fixture
def sqlite_warehouse(tmp_path: Any) -> Warehouse:
    """An SQLite file in the test's temporary directory."""
    return _sqlite(tmp_path)


@pytest.fixture
def postgres_warehouse() -> Iterator[Warehouse]:
    """A scratch schema in PostgreSQL, dropped after the test."""
    if not postgres_available():
        pytest.skip("PostgreSQL at 127.0.0.1:5432 is unreachable (set REQUIRE_POSTGRES=1 to fail)")
    schema = f"xero_auth_test_{uuid.uuid4().hex[:10]}"
    yield Warehouse(PG_TARGET, schema, "postgresql://postgres@127.0.0.1:5432/postgres")
    drop_schema(schema)


@pytest.fixture(params=["sqlite", "postgres"])
def warehouse(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Warehouse]:
    """Each test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield _sqlite(tmp_path)
        return
    yield request.getfixturevalue("postgres_warehouse")


def sample_tokens(suffix: str = "1", seconds: int = 1800) -> TokenSet:
    """Recognisable token text, to look for in raw rows and logs."""
    expires = datetime.fromtimestamp(int(datetime.now(UTC).timestamp()) + seconds, UTC)
    return TokenSet(f"ACCESS-TOKEN-TEXT-{suffix}", f"REFRESH-TOKEN-TEXT-{suffix}", expires,
                    ("offline_access", "accounting.settings.read"))


# -- the sandbox ----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def sandbox() -> Iterator[Any]:
    """One in-process sandbox Xero for the session: one small organisation, auto-consent."""
    from xero_sandbox.server import Sandbox
    from xero_sandbox.state import SandboxConfig

    with Sandbox(SandboxConfig(seed=11, tenants=1, scale=20, auto_consent=True)) as running:
        yield running


@pytest.fixture
def xero(sandbox: Any) -> Any:
    """The sandbox, reset: data, tokens, clock, limits, faults and statistics."""
    sandbox.state.reset(identity=True, clock=True)
    return sandbox


def sandbox_settings(sandbox: Any, **changes: Any) -> XeroSettings:
    """The web app's settings pointed at the sandbox (the only difference from Xero)."""
    config = sandbox.state.config
    fields: dict[str, Any] = {
        "client_id": config.client_id, "client_secret": config.client_secret,
        "api_url": sandbox.url, "identity_url": sandbox.url, "login_url": sandbox.url,
        "scopes": SCOPES,
    }
    fields.update(changes)
    return XeroSettings(**fields)


def sandbox_clock(sandbox: Any) -> Callable[[], datetime]:
    """The sandbox's clock (real time plus whatever a test advanced it by)."""
    return lambda: datetime.fromtimestamp(sandbox.state.clock.now(), UTC)


def consent_code(settings: XeroSettings, redirect_uri: str = REDIRECT_URI) -> str:
    """Walk the auto-consent redirect and return the authorization code."""
    params = {"response_type": "code", "client_id": settings.client_id,
              "redirect_uri": redirect_uri, "scope": " ".join(settings.scopes), "state": "s"}
    reply = requests.get(settings.authorize_url, params=params, allow_redirects=False,
                         timeout=10)
    assert reply.status_code == 302, reply.text
    return parse_qs(urlsplit(reply.headers["Location"]).query)["code"][0]


def admin(sandbox: Any, method: str, name: str, **kwargs: Any) -> Any:
    """Call the sandbox's admin API and return its JSON."""
    reply = requests.request(method, f"{sandbox.url}/_sandbox/{name}", timeout=60, **kwargs)
    assert reply.status_code == 200, reply.text
    return reply.json()


def token_stats(sandbox: Any) -> dict[str, Any]:
    """``/_sandbox/stats`` token counters plus token-endpoint calls."""
    stats = admin(sandbox, "GET", "stats")
    return {**stats["tokens"], "token_calls": stats["identity"].get("token", 0),
            "calls_total": stats["calls_total"]}


def connect_app(xero: Any, settings: XeroSettings, store: TokenStore) -> TokenSet:
    """What the authorize command does, minus the browser: code → tokens → store."""
    store.ensure_table()
    oauth = OAuthClient(settings, clock=sandbox_clock(xero))
    tokens = oauth.exchange_code(consent_code(settings), REDIRECT_URI)
    store.save(settings.client_id, tokens)
    return tokens


def manager(xero: Any, settings: XeroSettings, store: TokenStore) -> TokenManager:
    """A worker's token manager on the sandbox clock, with fast retries."""
    return TokenManager(settings, store, clock=sandbox_clock(xero), retry_delays=FAST_RETRIES)


def organisation(xero: Any, token: str) -> requests.Response:
    """A cheap API call with a bearer token."""
    tenant = next(iter(xero.state.tenant_names))
    return requests.get(f"{xero.url}/api.xro/2.0/Organisation", timeout=10, headers={
        "Authorization": f"Bearer {token}", "xero-tenant-id": tenant,
        "Accept": "application/json"})
