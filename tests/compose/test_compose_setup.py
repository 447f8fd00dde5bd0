"""The setup steps of docker/compose_setup.py, run here against recorders, sqlglot and the
sandbox (everything but Docker's own port publishing)."""

from __future__ import annotations

import io
import json
import queue
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
import sqlglot
from cryptography.fernet import Fernet

from tests.compose.support import docker_module, filled_env
from xero_sandbox.server import Sandbox
from xero_sandbox.state import SandboxConfig
from xero_sync.auth.crypto import TokenCipher
from xero_sync.auth.token_store import token_store
from xero_sync.warehouse.dbapi import WarehouseTarget

setup = docker_module("compose_setup")
GUID = "a46fcb6f-2773-40c4-a119-8aa08bca1e8e"


def good() -> Any:
    env = filled_env(XERO_CLIENT_ID="A" * 32, XERO_CLIENT_SECRET="s" * 48)
    env["AIRFLOW__CORE__FERNET_KEY"] = env.pop("AIRFLOW_FERNET_KEY")
    env["AIRFLOW__API_AUTH__JWT_SECRET"] = env.pop("AIRFLOW_JWT_SECRET")
    return setup.Settings.from_env(env)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_valid_settings_pass() -> None:
    assert setup.problems(good()) == []


@pytest.mark.parametrize(("changes", "named"), [
    ({"fernet_key": "not-a-key"}, "AIRFLOW_FERNET_KEY"),
    ({"fernet_key": f"{Fernet.generate_key().decode()},bad"}, "AIRFLOW_FERNET_KEY"),
    ({"xero_sync_fernet_key": "short"}, "XERO_SYNC_FERNET_KEY"),
    ({"jwt_secret": "abc"}, "AIRFLOW_JWT_SECRET"),
    ({"executor": "KubernetesExecutor"}, "AIRFLOW_EXECUTOR"),
    ({"postgres_password": "p@ss/word"}, "POSTGRES_PASSWORD"),
    ({"sa_password": "password"}, "MSSQL_SA_PASSWORD"),
    ({"sa_password": "Short1a"}, "MSSQL_SA_PASSWORD"),
    ({"sa_password": "Has$dollar1A"}, "MSSQL_SA_PASSWORD"),
    ({"warehouse_password": "alllowercase"}, "XERO_WAREHOUSE_PASSWORD"),
    ({"warehouse_db": "master"}, "XERO_WAREHOUSE_DB"),
    ({"warehouse_db": "my-db"}, "XERO_WAREHOUSE_DB"),
    ({"warehouse_user": "sa"}, "XERO_WAREHOUSE_USER"),
    ({"admin_password": ""}, "AIRFLOW_ADMIN_PASSWORD"),
    ({"xero_client_secret": ""}, "XERO_CLIENT_SECRET"),
    ({"xero_tenant_ids": "acme"}, "XERO_TENANT_IDS"),
    ({"xero_auth_mode": "password"}, "auth_mode"),
])
def test_each_bad_setting_is_named_with_its_fix(changes: dict[str, str], named: str) -> None:
    found = setup.problems(replace(good(), **changes))
    assert len(found) == 1 and named in found[0], found


def test_sandbox_only_needs_no_xero_app() -> None:
    settings = replace(good(), xero_client_id="", xero_client_secret="")
    assert setup.problems(settings) == [] and not settings.has_xero_app


def test_xero_connection_follows_the_connection_contract() -> None:
    from xero_sync.settings import XeroSettings

    settings = replace(good(), xero_tenant_ids=f"{GUID.upper()}, {GUID}",
                       xero_scopes="offline_access,accounting.settings.read")
    conn = setup.xero_connection(settings)
    parsed = XeroSettings.from_fields("xero_default", conn["login"], conn["password"],
                                      conn["extra"])
    assert parsed.tenant_ids == (GUID, GUID)
    assert parsed.scopes == ("offline_access", "accounting.settings.read")
    assert parsed.auth_mode == "authorization_code"


def test_sql_server_statements_parse_and_never_splice_values() -> None:
    settings = replace(good(), warehouse_password="Pa'ss]word1")
    statements = setup.mssql_statements(settings)
    assert [database for database, _, _ in statements] == [
        "master", "master", settings.warehouse_db]
    for _, statement, parameters in statements:
        assert statement.count("%s") == len(parameters)
        assert settings.warehouse_password not in statement
        filled = statement.replace("%s", "N'value'")
        sqlglot.parse(filled, read="tsql")
        for word in re.findall(r"N'(CREATE|ALTER) [A-Z ]+'", statement):
            assert word
        assert "QUOTENAME" in statement


def test_mssql_init_runs_each_statement_in_its_database_with_autocommit() -> None:
    calls: list[dict[str, Any]] = []

    class Connection:
        def __init__(self, **kwargs: Any) -> None:
            calls.append(dict(kwargs, executed=[]))

        def cursor(self) -> Any:
            return self

        def execute(self, statement: str, parameters: tuple[str, ...]) -> None:
            calls[-1]["executed"].append((statement, parameters))

        def close(self) -> None:
            calls[-1]["closed"] = True

    failures = iter([OSError("not yet")])

    def connect(**kwargs: Any) -> Connection:
        for error in failures:
            raise error
        return Connection(**kwargs)

    settings = good()
    setup.mssql_init(settings, connect=connect, pause=0)
    assert [c["database"] for c in calls] == ["master", "master", settings.warehouse_db]
    assert all(c["autocommit"] and c["user"] == "sa" and c["server"] == "mssql"
               and c["closed"] for c in calls)
    assert calls[1]["executed"][0][1] == (settings.warehouse_user, settings.warehouse_password,
                                          settings.warehouse_db)


def test_mssql_init_gives_up_with_a_message() -> None:
    def connect(**kwargs: Any) -> Any:
        raise OSError("login failed")

    with pytest.raises(setup.SetupError, match="cannot log in to SQL Server as sa"):
        setup.mssql_init(good(), connect=connect, attempts=2, pause=0)


def recorder() -> tuple[list[list[str]], Any]:
    commands: list[list[str]] = []

    def run(argv: Any) -> str:
        commands.append(list(argv))
        if argv[:3] == ["airflow", "connections", "delete"]:
            raise setup.SetupError("absent")
        return ""

    return commands, run


def test_init_without_a_xero_app_leaves_xero_default_undefined(
        capsys: pytest.CaptureFixture[str]) -> None:
    commands, run = recorder()
    setup.airflow_init(replace(good(), xero_client_id="", xero_client_secret=""), run=run)
    assert ["airflow", "connections", "delete", "xero_default"] in commands
    assert "sandbox profile" in capsys.readouterr().out


def test_init_refuses_bad_settings_before_touching_anything() -> None:
    commands, run = recorder()
    with pytest.raises(setup.SetupError, match="MSSQL_SA_PASSWORD"):
        setup.airflow_init(replace(good(), sa_password="weak"), run=run)
    assert commands == []


def test_init_with_celery_waits_for_redis_or_says_to_start_the_profile() -> None:
    commands, run = recorder()
    with pytest.raises(setup.SetupError, match="COMPOSE_PROFILES=celery"):
        setup.airflow_init(replace(good(), executor="CeleryExecutor"), run=run,
                           wait=lambda host, port, timeout: False)
    assert commands == []
    setup.airflow_init(replace(good(), executor="CeleryExecutor"), run=run,
                       wait=lambda host, port, timeout: (host, port) == ("redis", 6379))
    assert commands[0] == ["airflow", "db", "migrate"]


def test_the_connections_file_is_removed_after_the_import() -> None:
    paths: list[Path] = []

    def run(argv: Any) -> str:
        paths.append(Path(argv[-1]))
        assert paths[-1].stat().st_mode & 0o077 == 0  # private while it exists
        return ""

    setup.import_connections({"a": {"conn_type": "sqlite"}}, run)
    assert not paths[0].exists()


def test_commands_are_logged_without_passwords(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(setup.SetupError) as failure:
        setup.run_command(["false", "--password", "hunter2"])
    assert "hunter2" not in capsys.readouterr().out + str(failure.value)


def test_worker_check() -> None:
    setup.worker_check(replace(good(), executor="CeleryExecutor"))
    with pytest.raises(setup.SetupError, match="AIRFLOW_EXECUTOR=CeleryExecutor"):
        setup.worker_check(good())


def test_main_reports_problems_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert setup.main(["check"], environ={}) == 1
    assert "AIRFLOW_FERNET_KEY" in capsys.readouterr().err
    assert setup.main(["worker-check"], environ={"AIRFLOW__CORE__EXECUTOR":
                                                 "CeleryExecutor"}) == 0


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = self.path.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def test_the_relay_forwards_http_both_ways() -> None:
    server = HTTPServer(("127.0.0.1", 0), _Hello)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    relay = setup.Relay(("127.0.0.1", 0), ("127.0.0.1", server.server_address[1])).start()
    try:
        port = relay.server_address[1]
        for path in ("/callback?code=1", "/again"):
            reply = requests.get(f"http://127.0.0.1:{port}{path}", timeout=10)
            assert reply.text == path
    finally:
        relay.close()
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(seed=3, tenants=2, scale=40, auto_consent=True)) as running:
        yield running


class _Lines(io.StringIO):
    """An output stream that hands each printed line to the test."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: queue.Queue[str] = queue.Queue()

    def write(self, text: str) -> int:
        for line in text.splitlines():
            self.lines.put(line)
        return super().write(text)


def test_authorize_receives_the_redirect_through_the_relay(
        sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What docker compose run --service-ports xero-authorize does, minus Docker: the consent
    URL is opened, and Xero's redirect arrives on the relay's port, not the command's."""
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("XERO_SYNC_FERNET_KEY", key)
    relay_port, callback_port = free_port(), free_port()
    monkeypatch.setattr(setup, "RELAY_PORT", relay_port)
    monkeypatch.setattr(setup, "Relay", _LoopbackRelay)
    conn = setup.sandbox_connection(sandbox.url)
    warehouse = tmp_path / "w.db"
    out = _Lines()
    result: list[int] = []
    worker = threading.Thread(target=lambda: result.append(setup.authorize(
        ["--xero-conn-uri", json.dumps(conn), "--warehouse-uri", f"sqlite:///{warehouse}",
         "--timeout", "30"], {"XERO_CALLBACK_PORT": str(callback_port)}, out=out)))
    worker.start()
    url = next(line for line in iter(lambda: out.lines.get(timeout=30), None)
               if line.startswith("http"))
    consent = requests.get(url, allow_redirects=False, timeout=10)
    redirect = urlsplit(consent.headers["Location"])
    assert redirect.port == callback_port  # the redirect URI the app registers
    via_relay = urlunsplit(redirect._replace(netloc=f"127.0.0.1:{relay_port}"))
    assert requests.get(via_relay, timeout=10).status_code == 200
    worker.join(timeout=60)
    assert result == [0], out.getvalue()
    assert "2 organisation(s) connected" in out.getvalue()
    store = token_store(WarehouseTarget("sqlite", str(warehouse)), TokenCipher(key))
    status = store.status(setup.SANDBOX_CLIENT_ID)
    assert status is not None and status.has_refresh_token


class _LoopbackRelay(setup.Relay):  # type: ignore[name-defined]
    """The relay bound to 127.0.0.1 for the test (the container binds every interface)."""

    def __init__(self, listen: tuple[str, int], target: tuple[str, int]) -> None:
        super().__init__(("127.0.0.1", listen[1]), target)


def test_sandbox_connect_authorizes_without_a_browser(
        sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sandbox profile's step: import the connection, then the headless consent."""
    key = Fernet.generate_key().decode()
    imported: dict[str, Any] = {}

    def run(argv: Any) -> str:
        imported.update(json.loads(Path(argv[-1]).read_text()))
        return ""

    def authorize() -> str:
        env = {"XERO_SYNC_FERNET_KEY": key,
               "XERO_SYNC_XERO_CONN_URI": json.dumps(imported["xero_default"]),
               "XERO_SYNC_WAREHOUSE_URI": f"sqlite:///{tmp_path / 'w.db'}",
               "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "plugins"),
               "PATH": "/usr/bin:/bin"}
        return str(setup.headless_authorize(env=env))

    setup.sandbox_connect(run=run, url=sandbox.url, authorize_headless=authorize)
    assert imported["xero_default"]["login"] == setup.SANDBOX_CLIENT_ID
    store = token_store(WarehouseTarget("sqlite", str(tmp_path / "w.db")), TokenCipher(key))
    status = store.status(setup.SANDBOX_CLIENT_ID)
    assert status is not None and status.has_refresh_token
