"""The setup steps of the Docker Compose deployment (``docker-compose.yaml``), one per command.

Every command runs inside the project's Airflow image (``docker/Dockerfile``) and reads its
settings from the environment the compose file passes it (values from ``.env``):

``check``            validate the settings before anything starts (service ``config-check``)
``mssql-init``       create the warehouse database and the login the sync uses (``mssql-init``)
``airflow-init``     migrate Airflow's metadata database, create the ``xero_api`` pool, the
                     connections ``xero_default`` and ``xero_warehouse`` and the admin user
                     (``airflow-init``)
``sandbox-connect``  point ``xero_default`` at the built-in Xero sandbox and run the authorize
                     command headless (``xero-sandbox-connect``, profile ``sandbox``)
``authorize``        the authorize command, with Xero's redirect reaching it through the port
                     the compose file publishes (``xero-authorize``, profile ``cli``)
``worker-check``     refuse to start a Celery worker the scheduler would never use

Every step can run again: each one makes things so, whatever was there before.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import selectors
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TextIO
from urllib.parse import urlsplit

POOL_DESCRIPTION = ("Xero sync tasks at once, over every organisation (xero-sync); Xero's "
                    "own limits are kept by the rate limiter")
SANDBOX_URL = "http://xero-sandbox:8765"
SANDBOX_CLIENT_ID = "sandbox-client-id"  # the sandbox's documented test app (tools/xero_sandbox)
SANDBOX_CLIENT_SECRET = "sandbox-client-secret"  # noqa: S105 - a documented test credential
RELAY_PORT = 8800  # the container port docker-compose.yaml publishes for Xero's redirect
DEFAULT_CALLBACK_PORT = 8799
EXECUTORS = ("LocalExecutor", "CeleryExecutor")
REDIS = ("redis", 6379)
MSSQL_PORT = 1433
# Characters that .env files, shells or URIs treat specially: refused in every password here.
_UNSAFE = re.compile(r"[\s$#'\"\\`]")
# PostgreSQL's password goes into Airflow's database URL: URI "unreserved" characters only.
_URI_SAFE = re.compile(r"^[A-Za-z0-9._~-]+$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_SYSTEM_DATABASES = {"master", "model", "msdb", "tempdb"}

STEPS = ("check", "mssql-init", "airflow-init", "sandbox-connect", "authorize", "worker-check")
Runner = Callable[[Sequence[str]], str]


class SetupError(Exception):
    """A step cannot go on; the message says what to change."""


# -- settings ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """What the setup steps read from the environment (docker-compose.yaml maps .env into it)."""

    fernet_key: str
    xero_sync_fernet_key: str
    jwt_secret: str
    executor: str
    postgres_password: str
    sa_password: str
    warehouse_db: str
    warehouse_user: str
    warehouse_password: str
    admin_user: str
    admin_password: str
    admin_email: str
    xero_client_id: str
    xero_client_secret: str
    xero_auth_mode: str
    xero_scopes: str
    xero_tenant_ids: str
    pool_slots: str = ""  # XERO_API_POOL_SLOTS; empty = the project's default

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Read every setting; missing ones are empty strings (``check`` reports them)."""
        def get(name: str, default: str = "") -> str:
            return environ.get(name, default).strip()

        return cls(
            fernet_key=get("AIRFLOW__CORE__FERNET_KEY"),
            xero_sync_fernet_key=get("XERO_SYNC_FERNET_KEY"),
            jwt_secret=get("AIRFLOW__API_AUTH__JWT_SECRET"),
            executor=get("AIRFLOW__CORE__EXECUTOR", "LocalExecutor"),
            postgres_password=get("POSTGRES_PASSWORD"),
            sa_password=get("MSSQL_SA_PASSWORD"),
            warehouse_db=get("XERO_WAREHOUSE_DB", "xero_warehouse"),
            warehouse_user=get("XERO_WAREHOUSE_USER", "xero_sync"),
            warehouse_password=get("XERO_WAREHOUSE_PASSWORD"),
            admin_user=get("AIRFLOW_ADMIN_USER", "admin"),
            admin_password=get("AIRFLOW_ADMIN_PASSWORD"),
            admin_email=get("AIRFLOW_ADMIN_EMAIL", "admin@example.com"),
            xero_client_id=get("XERO_CLIENT_ID"),
            xero_client_secret=get("XERO_CLIENT_SECRET"),
            xero_auth_mode=get("XERO_AUTH_MODE", "authorization_code"),
            xero_scopes=get("XERO_SCOPES"),
            xero_tenant_ids=get("XERO_TENANT_IDS"),
            pool_slots=get("XERO_API_POOL_SLOTS"),
        )

    @property
    def has_xero_app(self) -> bool:
        """Whether .env names a real Xero app (otherwise only the sandbox can be used)."""
        return bool(self.xero_client_id or self.xero_client_secret)


def problems(settings: Settings) -> list[str]:
    """Every setting that would make a service fail, each with the fix; empty when all is well."""
    found: list[str] = []
    found += fernet_problems("AIRFLOW_FERNET_KEY", settings.fernet_key, required=True)
    found += fernet_problems("XERO_SYNC_FERNET_KEY", settings.xero_sync_fernet_key,
                             required=False)
    if settings.pool_slots and not (settings.pool_slots.isdigit()
                                    and 1 <= int(settings.pool_slots) <= 1000):
        found.append(f"XERO_API_POOL_SLOTS is {settings.pool_slots!r}; expected a whole number "
                     "from 1 to 1000: the sync tasks that run at once (README: Scale out)")
    if len(settings.jwt_secret) < 16:
        found.append("AIRFLOW_JWT_SECRET must be at least 16 characters, the same for every "
                     "Airflow service; generate one with: openssl rand -hex 32")
    if settings.executor not in EXECUTORS:
        found.append(f"AIRFLOW_EXECUTOR is {settings.executor!r}; expected one of "
                     f"{', '.join(EXECUTORS)}")
    if not _URI_SAFE.match(settings.postgres_password):
        found.append("POSTGRES_PASSWORD must be set and use only letters, digits and - . _ ~ "
                     "(it becomes part of Airflow's database URL)")
    found += sql_server_password_problems("MSSQL_SA_PASSWORD", settings.sa_password)
    found += sql_server_password_problems("XERO_WAREHOUSE_PASSWORD", settings.warehouse_password)
    if not _IDENTIFIER.match(settings.warehouse_db) or (
            settings.warehouse_db.lower() in _SYSTEM_DATABASES):
        found.append(f"XERO_WAREHOUSE_DB is {settings.warehouse_db!r}; expected a plain name "
                     "(letters, digits, _) that is not a system database")
    if not _IDENTIFIER.match(settings.warehouse_user) or settings.warehouse_user.lower() == "sa":
        found.append(f"XERO_WAREHOUSE_USER is {settings.warehouse_user!r}; expected a plain "
                     "login name (letters, digits, _) other than sa")
    if not settings.admin_user or not settings.admin_password:
        found.append("AIRFLOW_ADMIN_USER and AIRFLOW_ADMIN_PASSWORD must be set (the login of "
                     "Airflow's UI)")
    elif _UNSAFE.search(settings.admin_password):
        found.append("AIRFLOW_ADMIN_PASSWORD must not contain spaces, quotes, $, # or \\")
    found += xero_problems(settings)
    return found


def fernet_problems(name: str, value: str, *, required: bool) -> list[str]:
    """A Fernet key (or comma-separated keys, newest first) that cryptography accepts."""
    hint = ("generate one with: openssl rand -base64 32 | tr '+/' '-_' (or python3 "
            "docker/new_env.py, which writes a whole .env)")
    if not value:
        return [f"{name} is empty; {hint}"] if required else []
    from cryptography.fernet import Fernet

    for part in (p.strip() for p in value.split(",")):
        try:
            Fernet(part.encode())
        except (ValueError, TypeError):
            return [f"{name} is not a valid Fernet key (32 url-safe base64-encoded bytes); {hint}"]
    return []


def sql_server_password_problems(name: str, value: str) -> list[str]:
    """SQL Server's password policy (8 to 128 characters, three of four kinds) and .env safety."""
    if not value:
        return [f"{name} is empty; choose a password of 8 to 128 characters"]
    found = []
    kinds = sum([any(c.isupper() for c in value), any(c.islower() for c in value),
                 any(c.isdigit() for c in value), any(not c.isalnum() for c in value)])
    if not 8 <= len(value) <= 128 or kinds < 3:
        found.append(f"{name} does not meet SQL Server's password policy: 8 to 128 characters "
                     "with three of upper-case letters, lower-case letters, digits and symbols")
    if _UNSAFE.search(value):
        found.append(f"{name} must not contain spaces, quotes, $, # or \\ (they change meaning "
                     "in .env files and shells)")
    return found


def xero_problems(settings: Settings) -> list[str]:
    """The Xero app of .env, checked as the sync will read it (``XeroSettings``)."""
    if not settings.has_xero_app:
        return []
    if not settings.xero_client_id or not settings.xero_client_secret:
        return ["XERO_CLIENT_ID and XERO_CLIENT_SECRET go together: set both (developer.xero.com"
                " → My Apps → your app → Configuration), or neither to use only the sandbox"]
    bad = [t for t in _split_ids(settings.xero_tenant_ids) if not _GUID.match(t)]
    if bad:
        return [f"XERO_TENANT_IDS holds {', '.join(bad)}; expected tenant ids (GUIDs), "
                "comma-separated, or nothing for every connected organisation"]
    from xero_sync.errors import ConfigurationError
    from xero_sync.settings import XeroSettings

    connection = xero_connection(settings)
    try:
        XeroSettings.from_fields("xero_default", connection["login"], connection["password"],
                                 connection["extra"])
    except ConfigurationError as error:
        return [f"the Xero settings in .env: {error}"]
    return []


def _split_ids(value: str) -> list[str]:
    return [part.strip() for part in value.replace(" ", ",").split(",") if part.strip()]


# -- connections -------------------------------------------------------------------------------


def xero_connection(settings: Settings) -> dict[str, Any]:
    """The ``xero_default`` connection of .env's Xero app (shared/design.md's contract)."""
    extra: dict[str, Any] = {"auth_mode": settings.xero_auth_mode}
    if settings.xero_scopes:
        extra["scopes"] = " ".join(settings.xero_scopes.replace(",", " ").split())
    tenants = _split_ids(settings.xero_tenant_ids)
    if tenants:
        extra["tenant_ids"] = tenants
    return {"conn_type": "xero", "login": settings.xero_client_id,
            "password": settings.xero_client_secret, "extra": json.dumps(extra)}


def sandbox_connection(url: str = SANDBOX_URL) -> dict[str, Any]:
    """``xero_default`` pointed at the sandbox: its three URLs are the only difference.

    The sandbox speaks plain http on the compose network, so its host is allowed to.
    """
    from xero_sync.scopes import EVERY_OBJECT

    extra = {"api_url": url, "identity_url": url, "login_url": url,
             "allow_http_hosts": [str(urlsplit(url).hostname)],
             "scopes": " ".join(EVERY_OBJECT)}  # every DAG runs against the sandbox
    return {"conn_type": "xero", "login": SANDBOX_CLIENT_ID, "password": SANDBOX_CLIENT_SECRET,
            "extra": json.dumps(extra)}


def warehouse_connection(settings: Settings) -> dict[str, Any]:
    """``xero_warehouse``: the compose file's SQL Server, as the login mssql-init creates."""
    return {"conn_type": "mssql", "host": "mssql", "port": MSSQL_PORT,
            "login": settings.warehouse_user, "password": settings.warehouse_password,
            "schema": settings.warehouse_db}


def import_connections(connections: Mapping[str, Mapping[str, Any]], run: Runner) -> None:
    """``airflow connections import --overwrite`` from a private temporary file."""
    descriptor, path = tempfile.mkstemp(prefix="xero-sync-connections-", suffix=".json")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(connections, handle)
        run(["airflow", "connections", "import", "--overwrite", path])
    finally:
        os.unlink(path)


# -- SQL Server --------------------------------------------------------------------------------

CREATE_DATABASE = """\
DECLARE @db sysname = %s;
IF DB_ID(@db) IS NULL
BEGIN
    DECLARE @sql nvarchar(max) = N'CREATE DATABASE ' + QUOTENAME(@db);
    EXEC sys.sp_executesql @sql;
END"""

CREATE_LOGIN = """\
DECLARE @login sysname = %s, @password nvarchar(128) = %s, @db sysname = %s;
DECLARE @sql nvarchar(max);
IF SUSER_ID(@login) IS NULL
    SET @sql = N'CREATE LOGIN ' + QUOTENAME(@login) + N' WITH PASSWORD = '
        + QUOTENAME(@password, '''') + N', DEFAULT_DATABASE = ' + QUOTENAME(@db);
ELSE
    SET @sql = N'ALTER LOGIN ' + QUOTENAME(@login) + N' WITH PASSWORD = '
        + QUOTENAME(@password, '''');
EXEC sys.sp_executesql @sql;"""

CREATE_USER = """\
DECLARE @login sysname = %s;
DECLARE @sql nvarchar(max);
IF USER_ID(@login) IS NULL
BEGIN
    SET @sql = N'CREATE USER ' + QUOTENAME(@login) + N' FOR LOGIN ' + QUOTENAME(@login);
    EXEC sys.sp_executesql @sql;
END
IF IS_ROLEMEMBER(N'db_owner', @login) = 0
BEGIN
    SET @sql = N'ALTER ROLE db_owner ADD MEMBER ' + QUOTENAME(@login);
    EXEC sys.sp_executesql @sql;
END"""


def mssql_statements(settings: Settings) -> list[tuple[str, str, tuple[str, ...]]]:
    """(database to run in, statement, parameters): the warehouse database, then its login.

    Names and the password travel as parameters and reach DDL only through QUOTENAME, so no
    value is ever spliced into SQL text.
    """
    db, user = settings.warehouse_db, settings.warehouse_user
    return [
        ("master", CREATE_DATABASE, (db,)),
        ("master", CREATE_LOGIN, (user, settings.warehouse_password, db)),
        (db, CREATE_USER, (user,)),
    ]


def mssql_init(settings: Settings, connect: Callable[..., Any] | None = None,
               attempts: int = 30, pause: float = 2.0) -> None:
    """Create the warehouse database and a login that owns it (and nothing else)."""
    if connect is None:
        import pymssql

        connect = pymssql.connect
    for database, statement, parameters in mssql_statements(settings):
        connection = _connect_retrying(connect, database, settings.sa_password, attempts, pause)
        try:
            cursor = connection.cursor()
            cursor.execute(statement, parameters)
        finally:
            connection.close()
    print(f"SQL Server: database {settings.warehouse_db} is ready; login "
          f"{settings.warehouse_user} owns it.")


def _connect_retrying(connect: Callable[..., Any], database: str, sa_password: str,
                      attempts: int, pause: float) -> Any:
    """SQL Server answers its health check a little before it accepts every login."""
    for attempt in range(1, attempts + 1):
        try:
            return connect(server="mssql", port=str(MSSQL_PORT), user="sa",
                           password=sa_password, database=database, autocommit=True)
        except Exception as error:
            if attempt == attempts:
                raise SetupError(f"cannot log in to SQL Server as sa: {error}") from None
            time.sleep(pause)
    raise AssertionError("unreachable")


# -- Airflow -----------------------------------------------------------------------------------


def run_command(command: Sequence[str]) -> str:
    """Run a command; its output on success, a SetupError with the output's tail otherwise."""
    print("+", " ".join(_redacted(command)), flush=True)
    result = subprocess.run(list(command), capture_output=True, text=True,  # noqa: S603
                            check=False)
    if result.returncode != 0:
        raise SetupError(f"{' '.join(_redacted(command[:3]))} failed ({result.returncode}):\n"
                         f"{result.stdout[-3000:]}{result.stderr[-3000:]}")
    return result.stdout


def _redacted(command: Sequence[str]) -> list[str]:
    shown, hide = [], False
    for part in command:
        shown.append("***" if hide else part)
        hide = part == "--password"
    return shown


def airflow_init(settings: Settings, run: Runner = run_command,
                 wait: Callable[[str, int, float], bool] | None = None) -> None:
    """Metadata DB, pool, connections, admin user: everything Airflow needs before it starts."""
    from xero_sync.dag_factory import POOL, POOL_SLOTS

    _require(settings)
    if settings.executor == "CeleryExecutor" and not (wait or wait_for_tcp)(*REDIS, 90.0):
        raise SetupError(
            "AIRFLOW_EXECUTOR is CeleryExecutor but Redis (the Celery broker) does not answer: "
            "start the celery profile too (COMPOSE_PROFILES=celery in .env, or docker compose "
            "--profile celery up -d), or set AIRFLOW_EXECUTOR=LocalExecutor")
    run(["airflow", "db", "migrate"])
    slots = int(settings.pool_slots or POOL_SLOTS)
    run(["airflow", "pools", "set", POOL, str(slots), POOL_DESCRIPTION])
    connections: dict[str, dict[str, Any]] = {"xero_warehouse": warehouse_connection(settings)}
    if settings.has_xero_app:
        connections["xero_default"] = xero_connection(settings)
    import_connections(connections, run)
    if not settings.has_xero_app:
        with contextlib.suppress(SetupError):  # absent already: nothing to remove
            run(["airflow", "connections", "delete", "xero_default"])
        print("No Xero app in .env (XERO_CLIENT_ID): xero_default is left undefined. Start "
              "the sandbox profile, or fill in .env and run docker compose up -d again.")
    run(["airflow", "users", "create", "--username", settings.admin_user, "--password",
         settings.admin_password, "--firstname", "Airflow", "--lastname", "Admin", "--role",
         "Admin", "--email", settings.admin_email])
    print(f"Airflow is set up: pool {POOL} ({slots} slots), connections "
          f"{', '.join(sorted(connections))}, admin user {settings.admin_user}.")


def _require(settings: Settings) -> None:
    found = problems(settings)
    if found:
        raise SetupError("fix these settings in .env, then run docker compose up -d again:\n- "
                         + "\n- ".join(found))


def wait_for_tcp(host: str, port: int, timeout: float) -> bool:
    """Whether ``host:port`` accepts a connection within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=3):
                return True
        except OSError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(2)


def worker_check(settings: Settings) -> None:
    """A Celery worker is useful only when the scheduler sends it tasks."""
    if settings.executor != "CeleryExecutor":
        raise SetupError(
            f"this Celery worker would sit idle: Airflow runs with {settings.executor}. Set "
            "AIRFLOW_EXECUTOR=CeleryExecutor in .env (next to COMPOSE_PROFILES=celery) and run "
            "docker compose up -d again")


# -- authorize ---------------------------------------------------------------------------------


class Relay(socketserver.ThreadingTCPServer):
    """Forwards TCP connections from ``listen`` to ``target`` (both directions, until closed).

    The authorize command listens on 127.0.0.1 inside its container, which a published port
    does not reach; the relay listens on every interface and hands each connection over.
    """

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, listen: tuple[str, int], target: tuple[str, int]) -> None:
        self.target = target
        super().__init__(listen, _RelayHandler)
        self._thread = threading.Thread(target=self.serve_forever, name="relay", daemon=True)

    def start(self) -> Relay:
        """Serve in a background thread."""
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving and free the port."""
        self.shutdown()
        self.server_close()


class _RelayHandler(socketserver.BaseRequestHandler):
    server: Relay

    def handle(self) -> None:
        client: socket.socket = self.request
        try:
            upstream = socket.create_connection(self.server.target, timeout=10)
        except OSError:
            return
        with upstream, selectors.DefaultSelector() as selector:
            selector.register(client, selectors.EVENT_READ, upstream)
            selector.register(upstream, selectors.EVENT_READ, client)
            while True:
                events = selector.select(timeout=60)
                if not events:
                    return  # idle for a minute: the browser has what it needed
                for key, _ in events:
                    source: socket.socket = key.fileobj  # type: ignore[assignment]
                    data = source.recv(65536)
                    if not data:
                        return
                    key.data.sendall(data)


def authorize(argv: Sequence[str], environ: Mapping[str, str], out: TextIO | None = None) -> int:
    """``python -m xero_sync.auth authorize`` behind a relay on the published port.

    docker-compose.yaml publishes 127.0.0.1:XERO_CALLBACK_PORT of the host on RELAY_PORT of the
    container; the command itself listens on 127.0.0.1:XERO_CALLBACK_PORT inside it, so the
    redirect URI http://localhost:XERO_CALLBACK_PORT/callback is the same on both sides.
    """
    from xero_sync.auth.cli import main

    args = list(argv)
    if "--port" not in args:
        args += ["--port", environ.get("XERO_CALLBACK_PORT", str(DEFAULT_CALLBACK_PORT))]
    port = int(args[args.index("--port") + 1])
    if "--no-browser" not in args:
        args.append("--no-browser")  # a container has no browser: the URL is printed instead
    relay = Relay(("0.0.0.0", RELAY_PORT), ("127.0.0.1", port)).start()  # noqa: S104
    try:
        return main(["authorize", *args], out=out)
    finally:
        relay.close()


def sandbox_connect(run: Runner = run_command, url: str = SANDBOX_URL,
                    authorize_headless: Callable[[], str] | None = None) -> None:
    """Point ``xero_default`` at the sandbox and connect its app, no browser needed."""
    import_connections({"xero_default": sandbox_connection(url)}, run)
    output = (authorize_headless or headless_authorize)()
    print(output.strip())
    print("The sandbox is connected: unpause DAGs at http://localhost:8080 (see README).")


def headless_authorize(command: Sequence[str] | None = None,
                       env: Mapping[str, str] | None = None, timeout: float = 120.0) -> str:
    """Run the authorize command and follow its consent URL ourselves.

    Only the sandbox (started with ``--auto-consent``) answers the consent URL with the redirect
    straight away; real Xero shows a sign-in page, which needs a person.
    """
    import requests

    command = list(command or [sys.executable, "-m", "xero_sync.auth", "authorize",
                               "--no-browser", "--port", "0"])
    lines: list[str] = []
    with subprocess.Popen(command, stdout=subprocess.PIPE,  # noqa: S603
                          stderr=subprocess.STDOUT, text=True,
                          env=dict(env) if env is not None else None) as process:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if line.startswith("http"):
                requests.get(line.strip(), timeout=30)  # redirects to the command's callback
                break
        lines.append(process.stdout.read())
        code = process.wait(timeout=timeout)
    output = "".join(lines)
    if code != 0:
        raise SetupError(f"the authorize command failed ({code}):\n{output[-3000:]}")
    return output


# -- command line ------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Run one step; 0 on success, 1 with the fix printed otherwise."""
    parser = argparse.ArgumentParser(prog="compose_setup.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=STEPS)
    args, rest = parser.parse_known_args(argv)
    environ = os.environ if environ is None else environ
    settings = Settings.from_env(environ)
    try:
        if args.command == "authorize":
            return authorize(rest, environ)
        if rest:
            parser.error(f"unexpected arguments: {' '.join(rest)}")
        if args.command == "check":
            _require(settings)
            print("The settings in .env are complete and valid.")
        elif args.command == "mssql-init":
            mssql_init(settings)
        elif args.command == "airflow-init":
            airflow_init(settings)
        elif args.command == "sandbox-connect":
            sandbox_connect()
        else:
            worker_check(settings)
    except SetupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
