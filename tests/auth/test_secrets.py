"""Secrets stay secret: every error that is stored, printed or raised with a response's text
goes through one redaction, and nothing holding a secret shows it in its ``repr``."""

from __future__ import annotations

import base64
import io
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from cryptography.fernet import Fernet

from tests.auth.conftest import FAST_RETRIES, Warehouse
from tests.warehouse.support import Scratch, postgres_scratch, sqlite_scratch, table_rows
from xero_sync.auth import masking
from xero_sync.auth.callback import Redirect
from xero_sync.auth.cli import main
from xero_sync.auth.crypto import TokenCipher
from xero_sync.auth.masking import mask_secrets, redact
from xero_sync.auth.oauth import OAuthClient, TokenManager
from xero_sync.auth.tokens import TokenSet
from xero_sync.errors import XeroApiError
from xero_sync.mapping import load_mapping
from xero_sync.settings import XeroSettings
from xero_sync.sync import SyncRequest, run_sync
from xero_sync.warehouse.dbapi import WarehouseTarget

ROOT = Path(__file__).resolve().parents[2]
TENANT = "3f2b1c4d-1111-4abc-8def-0123456789ab"
JWT = ("eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJ0ZXN0IiwiZXhwIjoxOTAwMDAwMDAwfQ."
       "c2lnbmF0dXJlLW9mLXRoZS10b2tlbg")


def unregistered_hex() -> str:
    """A refresh-token-shaped value this process has never been told about."""
    return secrets.token_hex(32)


# -- the redaction ------------------------------------------------------------------------------


def test_registered_secrets_are_redacted_wherever_they_appear() -> None:
    password = f"pw-{secrets.token_hex(3)}!"  # short and not token-shaped: known only by name
    mask_secrets(password)
    assert redact(f"login failed for warehouse (password {password})") == (
        "login failed for warehouse (password ***)")


@pytest.mark.parametrize("template", [
    "grant_type=refresh_token&refresh_token={secret}&client_id=app",
    '{{"error": "invalid_request", "refresh_token": "{secret}"}}',
    "code={secret}&redirect_uri=http://localhost:8799/callback",
    "Authorization: Bearer {secret}",
    "echo: {secret} (end)",
])
def test_token_shaped_values_are_redacted_even_when_unknown(template: str) -> None:
    secret = unregistered_hex()
    text = redact(template.format(secret=secret))
    assert secret not in text and "***" in text
    assert secret[:16] not in text  # not even a part of it


def test_a_registered_secret_inside_a_field_name_does_not_unmask_its_value(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A client secret that is also part of a field's name ("secret" in ``client_secret=``)
    must not break the field's shape: the value after it is still redacted. (Registered in
    this test only: the process's other tests must not see "secret" masked.)"""
    monkeypatch.setattr(masking, "_known", set())
    monkeypatch.setattr(masking, "_load_masker", lambda: None)
    mask_secrets("secret", "token")
    echoed = "refresh_token=9f9f-not-registered&client_secret=s3cr3t-value"

    redacted = redact(echoed)

    assert "9f9f-not-registered" not in redacted and "s3cr3t-value" not in redacted


def test_jwts_basic_credentials_and_fernet_keys_are_redacted() -> None:
    basic = base64.b64encode(b"some-client-id:some-client-secret-1").decode()
    key = Fernet.generate_key().decode()
    text = redact(f"Bearer {JWT}; Authorization: Basic {basic}; key {key}")
    for secret in (JWT, basic, key):
        assert secret not in text


def test_what_a_person_needs_is_kept() -> None:
    message = (f"Xero refused organisation {TENANT}: GET https://api.xero.com/api.xro/2.0/"
               f"Invoices/{TENANT} answered 403; run python -m xero_sync.auth authorize "
               "--conn-id xero_default (ReauthorizationRequired, status code 500)")
    assert redact(message) == message


# -- a token endpoint that echoes the request ---------------------------------------------------


class EchoingTokenEndpoint(requests.Session):
    """A token endpoint whose error page repeats the request it refused, secrets and all."""

    def post(self, url: str | bytes, data: Any = None, **kwargs: Any) -> requests.Response:
        client_id, client_secret = kwargs["auth"]
        basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
        reply = requests.Response()
        reply.status_code = 400
        reply.headers["Content-Type"] = "text/html"
        reply._content = (f"<html><pre>{urlencode(data)}\nPOST {url!r} HTTP/1.1\n"
                          f"Authorization: Basic {basic}</pre></html>").encode()
        return reply


def echo_settings() -> XeroSettings:
    return XeroSettings("echo-app", f"echo-client-secret-{secrets.token_hex(4)}")


def test_an_echoed_refresh_token_is_stored_printed_and_raised_redacted(
        warehouse: Warehouse, cipher: TokenCipher, fernet_key: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    settings = echo_settings()
    store = warehouse.store(cipher)
    store.ensure_table()
    expired = TokenSet(JWT, unregistered_hex(), datetime.now(UTC) - timedelta(minutes=1))
    store.save(settings.client_id, expired)
    oauth = OAuthClient(settings, session=EchoingTokenEndpoint())
    with pytest.raises(XeroApiError) as caught:
        TokenManager(settings, store, oauth=oauth, retry_delays=FAST_RETRIES).access_token()
    row = store.status(settings.client_id)
    assert row is not None and row.last_error

    monkeypatch.setenv("XERO_SYNC_FERNET_KEY", fernet_key)
    out = io.StringIO()
    code = main(["status", "--xero-conn-uri",
                 f"xero://{settings.client_id}:{settings.client_secret}@/",
                 "--warehouse-uri", warehouse.uri, "--schema", warehouse.schema], out)
    for where in (str(caught.value), row.last_error, out.getvalue()):
        assert "the Xero token endpoint answered 400" in where
        for secret in (str(expired.refresh_token), settings.client_secret, JWT):
            assert secret not in where
    assert code == 1  # the refresh failed: a person must look
    assert "PROBLEM: the last token refresh failed" in out.getvalue()


# -- _sync_runs.error ---------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgres"])
def scratch(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Scratch]:
    """An empty warehouse on each dialect."""
    if request.param == "sqlite":
        yield from sqlite_scratch(tmp_path)
    else:
        yield from postgres_scratch()


def test_a_failed_run_records_its_error_redacted(scratch: Scratch) -> None:
    mapping = load_mapping(ROOT / "include" / "mappings" / "currencies.yaml")
    secret = unregistered_hex()

    class EchoingSource:
        def extract(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
            raise XeroApiError(f"Xero answered 400: refresh_token={secret} Bearer {JWT}", 400)

    warehouse = scratch.open()
    warehouse.ensure_tables([mapping])
    with pytest.raises(XeroApiError):
        run_sync(EchoingSource(), warehouse, SyncRequest(mapping, TENANT, run_id="echo"))
    stored = " ".join(str(row) for row in table_rows(warehouse, "_sync_runs", TENANT))
    assert "Xero answered 400" in stored
    assert secret not in stored and JWT not in stored


# -- repr ---------------------------------------------------------------------------------------


def test_nothing_holding_a_secret_shows_it_in_its_repr() -> None:
    settings = echo_settings()
    target = WarehouseTarget("mssql", "xero", "db.example", 1433, "sync", "Warehouse-Pa55word")
    redirect = Redirect("single-use-consent-code", "state", None)
    tokens = TokenSet(JWT, unregistered_hex(), datetime.now(UTC))
    for holder, secret in ((settings, settings.client_secret),
                           (target, "Warehouse-Pa55word"),
                           (redirect, "single-use-consent-code"),
                           (tokens, JWT), (tokens, str(tokens.refresh_token))):
        assert secret not in repr(holder)


def test_a_warehouse_password_is_redacted_once_a_target_holds_it() -> None:
    password = f"Wh-{secrets.token_hex(4)}"
    WarehouseTarget("postgres", "xero", "db.example", 5432, "sync", password)
    assert password not in redact(f"FATAL: could not log in with {password}")
