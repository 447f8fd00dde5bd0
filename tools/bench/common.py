"""What every section of ``make bench`` (tools/bench/run.py) shares: a sandbox with Xero's rate
limits lifted, an app connected the way the authorize command connects it, scratch PostgreSQL
schemas, peak memory, child processes that answer in JSON, and plain-text tables.

Why one module: the sync cases run in child processes that must set up exactly as the parent
does, and every section must lift the same limits, so that what is measured is our code and
not Xero's 60 calls a minute.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "tools"
MAPPINGS = ROOT / "include" / "mappings"
PG_HOST, PG_PORT, PG_USER, PG_DATABASE = "127.0.0.1", 5432, "postgres", "postgres"
REDIRECT_URI = "http://localhost:8799/callback"
SEED = 42
RESULT_MARK = "@bench-result "
# High enough that no limit is ever reached: the bench measures our code, not Xero's quota.
UNLIMITED = {"per_minute": 1_000_000_000, "per_day": 1_000_000_000, "concurrent": 256,
             "app_per_minute": 1_000_000_000}
LIMITS_NOTE = ("sandbox rate limits raised (per minute, per day, in flight, per app) so Xero's "
               "60 calls/min is not what is measured; at Xero's real limits a 100,000-invoice "
               "organisation needs at least ceil(100001/1000) = 101 calls = 2 minutes of quota")


# -- the sandbox -------------------------------------------------------------------------------

def start_sandbox(scale: int, tenants: int = 1, **config: Any) -> Any:
    """A running in-process sandbox with the limits lifted (the caller stops it).

    In-process because the bench reads its statistics directly; the syncs that are timed run
    in child processes, so they do not share this process's interpreter lock.
    """
    from xero_sandbox.limits import Limits
    from xero_sandbox.server import Sandbox
    from xero_sandbox.state import SandboxConfig

    settings = SandboxConfig(seed=SEED, tenants=tenants, scale=scale, auto_consent=True,
                             limits=Limits(**UNLIMITED), **config)
    return Sandbox(settings).start()


class Sandboxes:
    """Sandboxes by scale, generated once per bench run and shared by the sections.

    Generating 100,000 invoices takes about 50 s and 1.5 GB, so it happens once, and the
    organisation is dropped as soon as no section needs it.
    """

    def __init__(self) -> None:
        self._running: dict[int, Any] = {}
        self.generation_seconds: dict[int, float] = {}

    def get(self, scale: int) -> Any:
        """The sandbox of this scale, started on first use."""
        if scale not in self._running:
            import time

            started = time.perf_counter()
            self._running[scale] = start_sandbox(scale)
            self.generation_seconds[scale] = round(time.perf_counter() - started, 1)
        return self._running[scale]

    def close(self, scale: int) -> None:
        """Stop one sandbox and free its memory."""
        sandbox = self._running.pop(scale, None)
        if sandbox is not None:
            sandbox.stop()

    def close_all(self) -> None:
        """Stop every sandbox still running."""
        for scale in list(self._running):
            self.close(scale)


def first_tenant(sandbox: Any) -> str:
    """The sandbox's first organisation (the bench uses one)."""
    return str(next(iter(sandbox.state.tenant_names)))


def settings_for(url: str) -> Any:
    """The web app's settings with Xero's three base URLs pointed at the sandbox."""
    from xero_sandbox.state import SandboxConfig
    from xero_sync.scopes import EVERY_OBJECT
    from xero_sync.settings import XeroSettings

    return XeroSettings(SandboxConfig.client_id, SandboxConfig.client_secret, api_url=url,
                        identity_url=url, login_url=url, scopes=EVERY_OBJECT)


def consent_code(settings: Any) -> str:
    """Walk the auto-consent redirect, as a person's browser would, to an authorization code."""
    params = {"response_type": "code", "client_id": settings.client_id,
              "redirect_uri": REDIRECT_URI, "scope": " ".join(settings.scopes), "state": "b"}
    reply = requests.get(settings.authorize_url, params=params, allow_redirects=False,
                         timeout=30)
    reply.raise_for_status()
    return parse_qs(urlsplit(reply.headers["Location"]).query)["code"][0]


@dataclass(frozen=True)
class TokenPlace:
    """Where a token store lives: a warehouse target, its schema and the Fernet key."""

    target: Any  # xero_sync.warehouse.dbapi.WarehouseTarget
    schema: str
    key: str


def new_token_place(target: Any, schema: str) -> TokenPlace:
    """A token store location with a fresh encryption key."""
    from cryptography.fernet import Fernet

    return TokenPlace(target, schema, Fernet.generate_key().decode())


def connect_app(settings: Any, place: TokenPlace) -> Any:
    """What the authorize command does, minus the browser: code, tokens, encrypted store.

    Returns the TokenManager a sync task would build over that store.
    """
    from xero_sync.auth.crypto import TokenCipher
    from xero_sync.auth.oauth import OAuthClient, TokenManager
    from xero_sync.auth.token_store import token_store

    store = token_store(place.target, TokenCipher(place.key), place.schema)
    store.ensure_table()
    store.save(settings.client_id,
               OAuthClient(settings).exchange_code(consent_code(settings), REDIRECT_URI))
    return TokenManager(settings, store)


# -- PostgreSQL --------------------------------------------------------------------------------

def postgres_target() -> Any:
    """The shared development PostgreSQL (trust authentication)."""
    from xero_sync.warehouse.dbapi import WarehouseTarget

    return WarehouseTarget("postgres", PG_DATABASE, PG_HOST, PG_PORT, PG_USER)


def postgres_available() -> str | None:
    """None when PostgreSQL answers, else why not (REQUIRE_POSTGRES=1 makes absence fatal)."""
    import psycopg

    try:
        psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=PG_DATABASE,
                        connect_timeout=3).close()
    except psycopg.Error as error:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            raise SystemExit(f"PostgreSQL at {PG_HOST}:{PG_PORT} is required: {error}") from None
        return f"PostgreSQL at {PG_HOST}:{PG_PORT} is unreachable: {error}"
    return None


def scratch_schema(prefix: str = "bench") -> str:
    """A schema name no one else uses (the warehouse creates it; drop_schema removes it)."""
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def drop_schema(schema: str) -> None:
    """Remove a scratch schema and everything in it."""
    import psycopg

    with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=PG_DATABASE,
                         autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


# -- processes ---------------------------------------------------------------------------------

def peak_rss_mb() -> float:
    """This process's resident-memory high-water mark so far, in MB.

    Linux's ``VmHWM`` rather than ``getrusage``: a child started by fork (or vfork) and exec
    inherits its parent's ``ru_maxrss`` (the kernel keeps the old address space's high-water
    mark across exec), so under a bench process holding a 1.5 GB sandbox every child would
    report at least 1.5 GB. ``VmHWM`` belongs to the child's own address space.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a measuring child: this one, with plugins/ and tools/ importable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "plugins"), str(TOOLS)])
    env.update(extra)
    return env


def emit(result: dict[str, Any]) -> None:
    """A child's answer: one marked JSON line (Airflow's log handler also writes to stdout)."""
    print(RESULT_MARK + json.dumps(result), flush=True)


def run_child(module: str, arguments: Sequence[str], env: dict[str, str] | None = None,
              timeout: float = 900) -> dict[str, Any]:
    """Run ``python -m module arguments`` in a fresh interpreter; the result it ``emit``-ted.

    A fresh interpreter per measurement gives each its own peak RSS and cold imports.
    """
    command = [sys.executable, "-m", module, *arguments]
    done = subprocess.run(command, capture_output=True, text=True, check=False,  # noqa: S603 - our own scripts
                          env=env or child_env(), timeout=timeout, cwd=ROOT)
    found = [line[len(RESULT_MARK):] for line in done.stdout.splitlines()
             if line.startswith(RESULT_MARK)]
    if done.returncode != 0 or not found:
        raise RuntimeError(f"{module} {' '.join(arguments)[:200]} failed "
                           f"(exit {done.returncode}):\n{done.stderr[-3000:]}"
                           f"{done.stdout[-1000:]}")
    result: dict[str, Any] = json.loads(found[-1])
    return result


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages: other people's work on a shared machine."""
    return [round(value, 2) for value in os.getloadavg()]


# -- output ------------------------------------------------------------------------------------

def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain-text table: text left-aligned, numbers right-aligned with separators."""
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    numeric = [all(_is_number(r[i]) for r in rows) and bool(rows) for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.rjust(w) if n else v.ljust(w)
                         for v, w, n in zip(values, widths, numeric, strict=True)).rstrip()

    return "\n".join([line(headers), "-" * len(line(headers)), *(line(r) for r in cells)])


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _cell(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "-" if value is None else ("yes" if value else "NO")
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    return str(value)
