"""``python -m xero_sync.auth``: a headless authorize against the sandbox, then status and
tenants, none of which may print a token."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from cryptography.fernet import Fernet

from tests.auth.conftest import (
    SCOPES,
    Warehouse,
    admin,
    connect_app,
    manager,
    sandbox_settings,
    token_stats,
)
from xero_sync.auth.callback import CallbackReceiver
from xero_sync.auth.cli import consent_url, main
from xero_sync.auth.crypto import TokenCipher
from xero_sync.errors import ReauthorizationRequired

REPO = Path(__file__).resolve().parents[2]


def conn_uri(xero: Any) -> str:
    """The xero_default connection as an Airflow URI, pointed at the sandbox."""
    config = xero.state.config
    extra = urlencode({"api_url": xero.url, "identity_url": xero.url, "login_url": xero.url,
                       "scopes": " ".join(SCOPES)})
    return f"xero://{config.client_id}:{config.client_secret}@/?{extra}"


def cli_args(xero: Any, warehouse: Warehouse, *command: str) -> list[str]:
    return [*command, "--xero-conn-uri", conn_uri(xero), "--warehouse-uri", warehouse.uri]


@pytest.fixture
def key_env(monkeypatch: pytest.MonkeyPatch, fernet_key: str) -> str:
    """The Fernet key in the environment, as a deployment sets it."""
    monkeypatch.setenv("XERO_SYNC_FERNET_KEY", fernet_key)
    return fernet_key


def test_authorize_runs_headless_and_stores_tokens(
        xero: Any, sqlite_warehouse: Warehouse, fernet_key: str) -> None:
    env = {**os.environ, "PYTHONPATH": f"{REPO / 'plugins'}:{REPO / 'tools'}",
           "XERO_SYNC_FERNET_KEY": fernet_key}
    command = [sys.executable, "-m", "xero_sync.auth",
               *cli_args(xero, sqlite_warehouse, "authorize", "--no-browser", "--port", "0",
                         "--timeout", "60")]
    process = subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    printed: list[str] = []
    for line in process.stdout:
        printed.append(line)
        if line.startswith(f"{xero.url}/identity/connect/authorize?"):
            consent = requests.get(line.strip(), timeout=30)  # the "browser"
            assert consent.status_code == 200 and "received" in consent.text
            break
    out, err = process.communicate(timeout=60)
    printed.append(out)
    assert process.returncode == 0, err
    text = "".join(printed)
    tenant_id, name = next(iter(xero.state.tenant_names.items()))
    assert tenant_id in text and name in text
    assert "Stored the tokens of app sandbox-client-id" in text
    tokens = sqlite_warehouse.store(TokenCipher(fernet_key)).load("sandbox-client-id")
    assert tokens is not None and tokens.refresh_token
    assert tokens.access_token not in text + err and tokens.refresh_token not in text + err
    assert token_stats(xero)["issued"] == {"authorization_code": 1}


def test_status_shows_bookkeeping_never_a_token(
        xero: Any, sqlite_warehouse: Warehouse, key_env: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    settings = sandbox_settings(xero)
    store = sqlite_warehouse.store(TokenCipher(key_env))
    first = connect_app(xero, settings, store)
    replaced = manager(xero, settings, store).force_refresh(first.access_token)
    out = io.StringIO()
    assert main(cli_args(xero, sqlite_warehouse, "status"), out) == 0
    text = out.getvalue() + "".join(capsys.readouterr())
    assert "refresh count  1" in text and "last refresh" in text
    assert "accounting.settings.read" in text and "expires" in text
    stored = store.load(settings.client_id)
    assert stored is not None and stored.refresh_token is not None
    for secret in (first.access_token, first.refresh_token, replaced, stored.refresh_token):
        assert str(secret) not in text


def test_status_without_tokens_names_the_authorize_command(
        xero: Any, sqlite_warehouse: Warehouse, key_env: str) -> None:
    out = io.StringIO()
    assert main(cli_args(xero, sqlite_warehouse, "status"), out) == 1
    assert "python -m xero_sync.auth authorize --conn-id xero_default" in out.getvalue()


def test_tenants_lists_id_and_name(xero: Any, sqlite_warehouse: Warehouse, key_env: str) -> None:
    connect_app(xero, sandbox_settings(xero), sqlite_warehouse.store(TokenCipher(key_env)))
    out = io.StringIO()
    assert main(cli_args(xero, sqlite_warehouse, "tenants"), out) == 0
    tenant_id, name = next(iter(xero.state.tenant_names.items()))
    assert f"{tenant_id}  ORGANISATION  {name}" in out.getvalue()


def test_undefined_connection_names_the_variable(
        sqlite_warehouse: Warehouse, key_env: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_NOT_DEFINED_HERE", raising=False)
    monkeypatch.delenv("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", raising=False)
    code = main(["status", "--conn-id", "not_defined_here", "--warehouse-uri",
                 sqlite_warehouse.uri], io.StringIO())
    assert code == 1
    assert "AIRFLOW_CONN_NOT_DEFINED_HERE" in capsys.readouterr().err


@pytest.mark.parametrize(("args", "error"), [
    (["authorize", "--port", "99999"], "argument --port: '99999' is not a port; give the port"),
    (["authorize", "--port", "-1"], "argument --port: '-1' is not a port"),
    (["authorize", "--timeout", "nan"], "argument --timeout: 'nan' is not a number of seconds"),
    (["status", "--xero-conn-uri", '{"client_secret_here'],
     "argument --xero-conn-uri: the JSON given is not a connection (Unterminated string"),
    (["tenants", "--warehouse-uri", "postgresql://u:pw-0123456789@localhost:99999/db"],
     "argument --warehouse-uri: warehouse URI 'postgresql://u:***@localhost:99999/db': port "
     "'99999' is not a number from 1 to 65535"),
    (["status", "--warehouse-uri", "sqlite://relative.db"],
     "argument --warehouse-uri: warehouse URI 'sqlite://relative.db': 'relative.db' after "
     "sqlite:// is a host, not a file; write sqlite:///relative/path.db"),
], ids=["port-high", "port-negative", "timeout-nan", "conn-json", "warehouse-port",
        "sqlite-host"])
def test_an_option_the_command_cannot_use_is_a_usage_error_naming_it(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        args: list[str], error: str) -> None:
    """Not a traceback from bind(), json or urllib once the command runs: argparse's usage
    error (exit 2), before anything is asked of Xero or the warehouse, never echoing a
    secret."""
    monkeypatch.delenv("XERO_SYNC_XERO_CONN_URI", raising=False)
    monkeypatch.delenv("XERO_SYNC_WAREHOUSE_URI", raising=False)
    with pytest.raises(SystemExit) as exited:
        main(args, io.StringIO())

    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1].startswith(f"python -m xero_sync.auth {args[0]}: error: {error}")
    assert "Traceback" not in err and "client_secret_here" not in err
    assert "pw-0123456789" not in err


def test_consent_url_carries_what_xero_needs(xero: Any) -> None:
    url = consent_url(sandbox_settings(xero), "http://localhost:8799/callback", "st4te")
    assert url.startswith(f"{xero.url}/identity/connect/authorize?response_type=code&")
    assert "client_id=sandbox-client-id" in url and "state=st4te" in url
    assert "redirect_uri=http%3A%2F%2Flocalhost%3A8799%2Fcallback" in url
    assert "offline_access" in url


def test_callback_receiver_catches_one_redirect() -> None:
    receiver = CallbackReceiver(0)
    try:
        answer = threading.Thread(target=lambda: requests.get(
            f"{receiver.redirect_uri}?code=abc&state=xyz", timeout=10))
        answer.start()
        redirect = receiver.wait(10)
        answer.join()
    finally:
        receiver.close()
    assert redirect is not None and (redirect.code, redirect.state) == ("abc", "xyz")


def test_callback_receiver_times_out() -> None:
    receiver = CallbackReceiver(0)
    try:
        assert receiver.wait(0.2) is None
    finally:
        receiver.close()


def test_authorize_refuses_a_forged_state(
        xero: Any, sqlite_warehouse: Warehouse, key_env: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()
    result: list[int] = []
    worker = threading.Thread(target=lambda: result.append(main(
        cli_args(xero, sqlite_warehouse, "authorize", "--no-browser", "--port", "0",
                 "--timeout", "20"), out)))
    worker.start()
    url = wait_for_line(out, "/identity/connect/authorize?")
    redirect_uri = url.split("redirect_uri=")[1].split("&")[0].replace("%3A", ":").replace(
        "%2F", "/")
    requests.get(f"{redirect_uri}?code=stolen&state=forged", timeout=10)
    worker.join(30)
    assert result == [1]
    assert "state does not match" in capsys.readouterr().err
    assert admin(xero, "GET", "stats")["tokens"]["issued"] == {}


def wait_for_line(out: io.StringIO, needle: str) -> str:
    """The first line printed so far containing ``needle`` (polling the buffer)."""
    for _ in range(200):
        for line in out.getvalue().splitlines():
            if needle in line:
                return line
        threading.Event().wait(0.05)
    raise AssertionError(f"never printed {needle!r}: {out.getvalue()}")


# -- a lost or wrong Fernet key, and errors a person must act on -------------------------------


def stored_under_another_key(xero: Any, warehouse: Warehouse) -> None:
    """Tokens saved with a key this process no longer has (it was lost, or changed)."""
    connect_app(xero, sandbox_settings(xero),
                warehouse.store(TokenCipher(Fernet.generate_key().decode())))


def test_authorize_with_a_new_key_stops_before_consent_and_names_the_flag(
        xero: Any, sqlite_warehouse: Warehouse, key_env: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    stored_under_another_key(xero, sqlite_warehouse)
    out = io.StringIO()
    assert main(cli_args(xero, sqlite_warehouse, "authorize", "--no-browser", "--port", "0",
                         "--timeout", "5"), out) == 1
    error = capsys.readouterr().err
    assert "cannot be decrypted with the key from XERO_SYNC_FERNET_KEY" in error
    assert "Nothing was asked of Xero" in error and "--replace-undecryptable" in error
    assert "/identity/connect/authorize?" not in out.getvalue()  # no consent URL, no code spent
    assert token_stats(xero)["issued"] == {"authorization_code": 1}  # the first authorize only


def test_authorize_replace_undecryptable_stores_new_tokens_under_the_new_key(
        xero: Any, sqlite_warehouse: Warehouse, key_env: str) -> None:
    stored_under_another_key(xero, sqlite_warehouse)
    out = io.StringIO()
    result: list[int] = []
    worker = threading.Thread(target=lambda: result.append(main(
        cli_args(xero, sqlite_warehouse, "authorize", "--no-browser", "--port", "0",
                 "--timeout", "20", "--replace-undecryptable"), out)))
    worker.start()
    requests.get(wait_for_line(out, "/identity/connect/authorize?"), timeout=10)
    worker.join(30)
    assert result == [0], out.getvalue()
    assert "they will be replaced (--replace-undecryptable)" in out.getvalue()
    stored = sqlite_warehouse.store(TokenCipher(key_env)).load("sandbox-client-id")
    assert stored is not None and stored.refresh_token
    status = io.StringIO()
    assert main(cli_args(xero, sqlite_warehouse, "status"), status) == 0
    assert "decrypt with the key from XERO_SYNC_FERNET_KEY" in status.getvalue()


def test_status_fails_when_the_tokens_cannot_be_decrypted(
        xero: Any, sqlite_warehouse: Warehouse, key_env: str) -> None:
    stored_under_another_key(xero, sqlite_warehouse)
    out = io.StringIO()
    assert main(cli_args(xero, sqlite_warehouse, "status"), out) == 1
    text = out.getvalue()
    assert "CANNOT be decrypted with the key from XERO_SYNC_FERNET_KEY" in text
    assert ("PROBLEM: the tokens cannot be decrypted" in text
            and "authorize --conn-id xero_default --replace-undecryptable" in text)


def test_status_fails_after_invalid_grant(
        xero: Any, sqlite_warehouse: Warehouse, key_env: str) -> None:
    settings = sandbox_settings(xero)
    store = sqlite_warehouse.store(TokenCipher(key_env))
    tokens = connect_app(xero, settings, store)
    requests.post(f"{xero.url}/connect/revocation", data={"token": tokens.refresh_token},
                  auth=(settings.client_id, settings.client_secret), timeout=10)
    with pytest.raises(ReauthorizationRequired):
        manager(xero, settings, store).force_refresh(tokens.access_token)
    out = io.StringIO()
    assert main(cli_args(xero, sqlite_warehouse, "status"), out) == 1
    assert "PROBLEM: the last token refresh failed: Xero answered invalid_grant" in out.getvalue()
    assert "python -m xero_sync.auth authorize --conn-id xero_default" in out.getvalue()
