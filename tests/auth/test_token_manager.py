"""The token manager against the sandbox Xero: refresh once per expiry, survive a lost answer,
fail clearly when Xero says invalid_grant, and never log a token."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from tests.auth.conftest import (
    FAST_RETRIES,
    REDIRECT_URI,
    Warehouse,
    admin,
    connect_app,
    consent_code,
    manager,
    organisation,
    sandbox_settings,
    token_stats,
)
from xero_sync.auth.crypto import TokenCipher
from xero_sync.auth.oauth import OAuthClient, TokenManager
from xero_sync.auth.store_base import TokenStore
from xero_sync.auth.tokens import TokenSet
from xero_sync.errors import ConfigurationError, ReauthorizationRequired, XeroUnavailable
from xero_sync.settings import XeroSettings

AUTHORIZE = re.escape("python -m xero_sync.auth authorize --conn-id xero_default")


@pytest.fixture
def store(sqlite_warehouse: Warehouse, cipher: TokenCipher) -> TokenStore:
    """A token store in an SQLite file."""
    return sqlite_warehouse.store(cipher)


def test_fresh_token_needs_no_token_endpoint_call(xero: Any, store: TokenStore) -> None:
    settings = sandbox_settings(xero)
    tokens = connect_app(xero, settings, store)
    before = token_stats(xero)["token_calls"]
    workers = [manager(xero, settings, store) for _ in range(3)]
    handed = {worker.access_token() for worker in workers for _ in range(5)}
    assert handed == {tokens.access_token}
    assert token_stats(xero)["token_calls"] == before
    assert organisation(xero, tokens.access_token).status_code == 200


def test_expiry_refreshes_exactly_once(xero: Any, warehouse: Warehouse,
                                       cipher: TokenCipher) -> None:
    settings = sandbox_settings(xero)
    store = warehouse.store(cipher)
    old = connect_app(xero, settings, store)
    workers = [manager(xero, settings, warehouse.store(cipher)) for _ in range(3)]
    assert {worker.access_token() for worker in workers} == {old.access_token}
    admin(xero, "POST", "clock", json={"seconds": 1800 - 60})  # inside the 5-minute margin
    handed = {worker.access_token() for worker in workers for _ in range(3)}
    assert len(handed) == 1 and old.access_token not in handed
    assert token_stats(xero)["refreshed"] == 1
    status = store.status(settings.client_id)
    assert status is not None and status.refresh_count == 1 and status.refreshed_at is not None
    assert organisation(xero, handed.pop()).status_code == 200


def test_lost_response_is_recovered_with_the_same_refresh_token(
        xero: Any, store: TokenStore) -> None:
    settings = sandbox_settings(xero)
    connect_app(xero, settings, store)
    admin(xero, "POST", "faults", json={"kind": "drop", "nth": 1, "target": "token"})
    admin(xero, "POST", "clock", json={"seconds": 1800})
    token = manager(xero, settings, store).access_token()
    stats = token_stats(xero)
    assert admin(xero, "GET", "stats")["faults_injected"] == {"drop": 1}
    assert (stats["invalid_grant"], stats["grace_refreshes"], stats["refreshed"]) == (0, 1, 2)
    assert organisation(xero, token).status_code == 200
    admin(xero, "POST", "clock", json={"seconds": 1800})  # and the saved pair still rotates
    assert manager(xero, settings, store).access_token() != token
    assert token_stats(xero)["invalid_grant"] == 0


def test_token_endpoint_down_gives_up_retryably_and_keeps_the_tokens(
        xero: Any, store: TokenStore) -> None:
    settings = sandbox_settings(xero)
    old = connect_app(xero, settings, store)
    admin(xero, "POST", "faults", json={"kind": "503", "rate": 1.0, "target": "token"})
    admin(xero, "POST", "clock", json={"seconds": 1800})
    with pytest.raises(XeroUnavailable, match="30 minutes") as caught:
        manager(xero, settings, store).access_token()
    assert caught.value.retryable
    assert admin(xero, "GET", "stats")["faults_injected"] == {"503": 1 + len(FAST_RETRIES)}
    kept = store.load(settings.client_id)
    assert kept is not None and kept.refresh_token == old.refresh_token
    status = store.status(settings.client_id)
    assert status is not None and "503" in str(status.last_error)


def test_revoked_token_requires_reauthorization_naming_the_command(
        xero: Any, store: TokenStore) -> None:
    settings = sandbox_settings(xero)
    tokens = connect_app(xero, settings, store)
    reply = requests.post(f"{xero.url}/connect/revocation", data={"token": tokens.refresh_token},
                          auth=(settings.client_id, settings.client_secret), timeout=10)
    assert reply.status_code == 200
    admin(xero, "POST", "clock", json={"seconds": 1800})
    with pytest.raises(ReauthorizationRequired, match=AUTHORIZE) as caught:
        manager(xero, settings, store).access_token()
    assert "invalid_grant" in str(caught.value)
    assert not caught.value.retryable
    status = store.status(settings.client_id)
    assert status is not None and re.search(AUTHORIZE, str(status.last_error))


def test_nothing_stored_requires_authorize(xero: Any, store: TokenStore) -> None:
    with pytest.raises(ReauthorizationRequired, match=AUTHORIZE):
        manager(xero, sandbox_settings(xero), store).access_token()
    assert token_stats(xero)["token_calls"] == 0


def test_force_refresh_after_another_worker_refreshed_does_not_refresh_again(
        xero: Any, warehouse: Warehouse, cipher: TokenCipher) -> None:
    settings = sandbox_settings(xero)
    first = connect_app(xero, settings, warehouse.store(cipher))
    worker_a = manager(xero, settings, warehouse.store(cipher))
    worker_b = manager(xero, settings, warehouse.store(cipher))
    assert worker_a.access_token() == worker_b.access_token() == first.access_token
    replaced = worker_b.force_refresh(first.access_token)
    assert replaced != first.access_token
    assert worker_a.force_refresh(first.access_token) == replaced
    assert worker_a.access_token() == replaced
    assert token_stats(xero)["refreshed"] == 1
    assert organisation(xero, replaced).status_code == 200


def test_client_credentials_token_is_shared_and_has_no_refresh_token(
        xero: Any, store: TokenStore) -> None:
    config = xero.state.config
    settings = sandbox_settings(xero, client_id=config.custom_client_id,
                                client_secret=config.custom_client_secret,
                                auth_mode="client_credentials")
    workers = [manager(xero, settings, store) for _ in range(3)]
    tokens = {worker.access_token() for worker in workers}
    assert len(tokens) == 1
    stored = store.load(settings.client_id)
    assert stored is not None and stored.refresh_token is None
    assert token_stats(xero)["issued"] == {"client_credentials": 1}
    admin(xero, "POST", "clock", json={"seconds": 1800})
    assert len({worker.access_token() for worker in workers}) == 1
    assert token_stats(xero)["issued"] == {"client_credentials": 2}
    assert organisation(xero, workers[0].access_token()).status_code == 200


def test_wrong_client_secret_names_the_connection_field(xero: Any) -> None:
    settings = sandbox_settings(xero, client_secret="wrong")
    with pytest.raises(ConfigurationError, match=r"invalid_client.*client secret"):
        OAuthClient(settings).exchange_code("any-code", REDIRECT_URI)


def test_spent_authorization_code_asks_for_a_new_consent(xero: Any) -> None:
    settings = sandbox_settings(xero)
    oauth = OAuthClient(settings)
    code = consent_code(settings)
    oauth.exchange_code(code, REDIRECT_URI)
    with pytest.raises(ReauthorizationRequired, match=AUTHORIZE):
        oauth.exchange_code(code, REDIRECT_URI)


def test_token_set_repr_shows_no_token() -> None:
    tokens = TokenSet("ACCESS-SECRET", "REFRESH-SECRET", datetime(2030, 1, 1, tzinfo=UTC), ("a",))
    assert "SECRET" not in repr(tokens) and "SECRET" not in str(tokens)


def test_logs_of_a_whole_run_contain_no_token(xero: Any, store: TokenStore,
                                              caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    settings = sandbox_settings(xero)
    connect_app(xero, settings, store)
    worker = manager(xero, settings, store)
    token = worker.access_token()
    admin(xero, "POST", "faults", json={"kind": "drop", "nth": 1, "target": "token"})
    admin(xero, "POST", "clock", json={"seconds": 1800})
    token = worker.access_token()
    token = worker.force_refresh(token)
    assert organisation(xero, token).status_code == 200
    admin(xero, "POST", "faults", json={"kind": "503", "nth": 1, "target": "token"})
    worker.force_refresh(token)
    requests.post(f"{xero.url}/connect/revocation", timeout=10,
                  data={"token": identity_refresh(store, settings)},
                  auth=(settings.client_id, settings.client_secret))
    admin(xero, "POST", "clock", json={"seconds": 1800})
    with pytest.raises(ReauthorizationRequired):
        worker.access_token()
    identity = xero.state.identity
    issued = [*identity.access_tokens, *identity.refresh_tokens]
    assert len(issued) >= 8
    assert "refreshed access token for app sandbox-client-id (expires" in caplog.text
    assert "retrying the same grant" in caplog.text
    leaked = [secret for secret in issued if secret in caplog.text]
    assert leaked == []


def identity_refresh(store: TokenStore, settings: XeroSettings) -> str:
    """The stored refresh token (to revoke it)."""
    tokens = store.load(settings.client_id)
    assert tokens is not None and tokens.refresh_token is not None
    return tokens.refresh_token


def test_margin_defaults_to_five_minutes(xero: Any, store: TokenStore) -> None:
    assert TokenManager(sandbox_settings(xero), store).margin == timedelta(minutes=5)


def test_a_token_is_judged_fresh_when_handed_out_not_before_masking_it(
        xero: Any, store: TokenStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """Registering a token with Airflow's masker slows as a process meets more tokens, and a
    starved process can take seconds over it: the 401s of the rotation test under load were
    tokens judged fresh, then masked, then sent expired. Here masking takes longer than the
    token's spare time beyond the margin, so the stored token must not be handed out."""
    from xero_sync.auth import oauth

    settings = sandbox_settings(xero)
    old = connect_app(xero, settings, store)
    worker = manager(xero, settings, store)  # a fresh process: nothing cached, nothing masked
    margin = worker.margin.total_seconds()
    admin(xero, "POST", "clock", json={"seconds": 1800 - margin - 30})  # 30 s to spare
    masked: set[str] = set()

    def slow_mask(tokens: TokenSet | None) -> None:
        if tokens is not None and tokens.access_token not in masked:
            masked.add(tokens.access_token)
            xero.state.clock.advance(60)  # masking outlasts the spare time

    monkeypatch.setattr(oauth, "mask_tokens", slow_mask)
    handed = worker.access_token()
    now = datetime.fromtimestamp(xero.state.clock.now(), UTC)
    current = store.load(settings.client_id)
    assert current is not None and handed == current.access_token != old.access_token
    assert current.seconds_left(now) > margin  # fresh at the moment it was handed out
    assert old.access_token in masked  # it was masked, then judged stale, then replaced
    assert token_stats(xero)["refreshed"] == 1
    assert organisation(xero, handed).status_code == 200


def test_a_refreshed_token_that_arrives_expired_is_replaced_not_handed_out(
        xero: Any, store: TokenStore) -> None:
    """Under load the rotation test saw a 401 for a token the manager handed out already
    expired by its own clock: the refresh's answer, and masking the new token, took longer
    than the token lived, and the manager handed out whatever the refresh returned. Here the
    answer arrives after the token's whole life (a stall on the sandbox's clock, no waiting)."""
    settings = sandbox_settings(xero)
    old = connect_app(xero, settings, store)
    worker = manager(xero, settings, store)
    margin = worker.margin.total_seconds()
    admin(xero, "POST", "clock", json={"seconds": 1800})  # expired: the next call refreshes
    admin(xero, "POST", "faults", json={"kind": "stall", "nth": 1, "target": "token",
                                        "delay": 1800 + 1})
    handed = worker.access_token()
    now = datetime.fromtimestamp(xero.state.clock.now(), UTC)
    current = store.load(settings.client_id)
    assert current is not None and handed == current.access_token != old.access_token
    assert current.seconds_left(now) > margin  # fresh when handed out
    stats = token_stats(xero)
    assert (stats["refreshed"], stats["invalid_grant"]) == (2, 0)  # once more, no more
    assert organisation(xero, handed).status_code == 200


def test_a_token_endpoint_that_is_always_too_slow_costs_one_more_refresh_never_a_loop(
        xero: Any, store: TokenStore, caplog: pytest.LogCaptureFixture) -> None:
    """Every answer arrives with 60 s left, less than the margin: two refreshes, then the second
    token is used (a 401 will refresh it), and the rotated refresh token is never lost."""
    settings = sandbox_settings(xero)
    connect_app(xero, settings, store)
    worker = manager(xero, settings, store)
    admin(xero, "POST", "clock", json={"seconds": 1800})
    admin(xero, "POST", "faults", json={"kind": "stall", "rate": 1.0, "target": "token",
                                        "delay": 1800 - 60})
    handed = worker.access_token()
    current = store.load(settings.client_id)
    assert current is not None and handed == current.access_token
    assert token_stats(xero)["refreshed"] == 2
    assert "refreshing once more" in caplog.text and "using it" in caplog.text
    assert "lower the margin" not in caplog.text  # Xero's lifetime is not the problem
    assert organisation(xero, handed).status_code == 200  # 60 s left: still valid
    admin(xero, "DELETE", "faults")
    admin(xero, "POST", "clock", json={"seconds": 1800})
    assert manager(xero, settings, store).access_token() != handed  # the chain still rotates
    assert token_stats(xero)["invalid_grant"] == 0


def test_a_token_lifetime_shorter_than_the_margin_refreshes_once_per_call_and_says_so(
        xero: Any, store: TokenStore, caplog: pytest.LogCaptureFixture) -> None:
    settings = sandbox_settings(xero)
    connect_app(xero, settings, store)
    admin(xero, "POST", "config", json={"access_token_ttl": 60})  # less than the 5 minutes
    admin(xero, "POST", "clock", json={"seconds": 1800})
    worker = manager(xero, settings, store)
    handed = worker.access_token()
    assert token_stats(xero)["refreshed"] == 1
    assert "lower the margin" in caplog.text
    assert organisation(xero, handed).status_code == 200


def test_force_refresh_does_not_retry_with_a_replacement_about_to_expire(
        xero: Any, warehouse: Warehouse, cipher: TokenCipher) -> None:
    """A token another worker saved since the rejected one is used only while it is fresh:
    one inside the margin would earn the retry a second 401."""
    settings = sandbox_settings(xero)
    first = connect_app(xero, settings, warehouse.store(cipher))
    worker_a = manager(xero, settings, warehouse.store(cipher))
    worker_b = manager(xero, settings, warehouse.store(cipher))
    assert worker_a.access_token() == first.access_token
    second = worker_b.force_refresh(first.access_token)
    admin(xero, "POST", "clock", json={"seconds": 1800 - 10})  # 10 s left, inside the margin
    third = worker_a.force_refresh(first.access_token)
    assert third not in (first.access_token, second)
    assert token_stats(xero)["refreshed"] == 2
    assert organisation(xero, third).status_code == 200
