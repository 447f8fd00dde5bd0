"""``python -m xero_sync.auth authorize|tenants|status``: connect a Xero app and inspect it.

``authorize`` is the one step a person performs: it prints Xero's consent URL (and opens it
unless ``--no-browser``), catches the redirect on localhost, stores the tokens encrypted in the
warehouse token store and lists the organisations connected. From then on workers rotate the
tokens themselves. ``status`` and ``tenants`` never print a token; ``status`` exits 1 whenever
a person must act.

A stored row the current Fernet key cannot decrypt (the key was lost or changed) stops
``authorize`` before it asks Xero for consent: a consent code is single-use, and spending it
only to fail on the old row would send the user round in a loop. ``--replace-undecryptable``
says, explicitly, to overwrite that row.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import re
import secrets
import sys
import webbrowser
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TextIO
from urllib.parse import urlencode

from xero_sync.auth.callback import CallbackReceiver
from xero_sync.auth.connections import load_connection, warehouse_target, xero_settings
from xero_sync.auth.crypto import REPLACE_FLAG, KeyMismatchError
from xero_sync.auth.masking import redact
from xero_sync.auth.oauth import DEFAULT_CONN_ID, OAuthClient, TokenManager, authorize_command
from xero_sync.auth.store_base import TokenStore
from xero_sync.auth.token_store import token_store
from xero_sync.auth.tokens import TokenStatus, utcnow
from xero_sync.errors import ConfigurationError, XeroSyncError
from xero_sync.settings import XeroSettings
from xero_sync.warehouse.dbapi import masked_uri

DEFAULT_WAREHOUSE_CONN_ID = "xero_warehouse"
DEFAULT_PORT = 8799


def build_parser() -> argparse.ArgumentParser:
    """The command line; every option can also come from the environment."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--conn-id", default=DEFAULT_CONN_ID,
                        help="Airflow connection of the Xero app (default %(default)s)")
    common.add_argument("--xero-conn-uri", default=os.environ.get("XERO_SYNC_XERO_CONN_URI"),
                        type=_xero_connection,
                        help="the Xero connection as a URI or JSON instead of looking it up "
                             "(env XERO_SYNC_XERO_CONN_URI)")
    common.add_argument("--warehouse-conn-id", default=DEFAULT_WAREHOUSE_CONN_ID,
                        help="Airflow connection of the warehouse (default %(default)s)")
    common.add_argument("--warehouse-uri", default=os.environ.get("XERO_SYNC_WAREHOUSE_URI"),
                        type=_warehouse_connection,
                        help="e.g. sqlite:////tmp/xero.db (env XERO_SYNC_WAREHOUSE_URI)")
    common.add_argument("--schema", default="xero", help="warehouse schema (default xero)")
    parser = argparse.ArgumentParser(prog="python -m xero_sync.auth", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    authorize = commands.add_parser("authorize", parents=[common],
                                    help="connect the Xero app (browser consent, once)")
    authorize.add_argument("--port", type=_port, default=DEFAULT_PORT,
                           help="localhost port of the redirect URI http://localhost:<port>"
                                "/callback, registered with the Xero app (default %(default)s)")
    authorize.add_argument("--no-browser", action="store_true",
                           help="only print the consent URL (headless machines)")
    authorize.add_argument("--timeout", type=_seconds, default=300.0,
                           help="seconds to wait for the consent (default %(default)s)")
    authorize.add_argument(REPLACE_FLAG, action="store_true", dest="replace_undecryptable",
                           help="overwrite stored tokens that the current Fernet key cannot "
                                "decrypt (their key was lost); they are unusable anyway")
    commands.add_parser("tenants", parents=[common], help="list the connected organisations")
    commands.add_parser("status", parents=[common],
                        help="token expiry, last refresh, refresh count, scopes")
    return parser


# The options' type= functions: a value the command cannot use is a usage error (exit 2, one
# line naming the option, from argparse) when it is read, never a traceback later. argparse
# applies them to the environment's defaults as well.

def _port(text: str) -> int:
    """--port: 0 (any free port, for tests) to 65535; bind() raises OverflowError beyond."""
    if not re.fullmatch("[0-9]{1,5}", text) or int(text) > 65535:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a port; give the port of the redirect URI registered with the "
            f"Xero app, a whole number from 1 to 65535 (default {DEFAULT_PORT})")
    return int(text)


def _seconds(text: str) -> float:
    """--timeout: a positive, finite number of seconds ("nan" and "inf" read as floats)."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of seconds; give how long to wait for the consent, "
            "e.g. 300")
    return seconds


def _xero_connection(value: str) -> str:
    """--xero-conn-uri: a connection Airflow can read (its JSON parses, its port is one)."""
    return _readable(value, "xero://<client id>:<client secret>@/ or JSON such as "
                     '{"conn_type": "xero", "login": "<client id>", "password": "<secret>"}',
                     lambda: load_connection("--xero-conn-uri", value))


def _warehouse_connection(value: str) -> str:
    """--warehouse-uri: a warehouse this command can open (sqlite:// with a file, a port)."""
    return _readable(value, "sqlite:////absolute/path.db, postgresql://user@host:5432/db or "
                     "mssql://user:password@host:1433/db",
                     lambda: warehouse_target("--warehouse-uri", value))


def _readable(value: str, example: str, read: Callable[[], object]) -> str:
    """``value`` unchanged once ``read`` reads it; else a usage error with the reason. JSON is
    not shown back (it may hold a secret); a URI is, its password masked (Airflow's refusal
    quotes the whole URI, so it is masked there too)."""
    from airflow.sdk.exceptions import AirflowException

    if not value:
        return value  # empty: the Airflow connection of --conn-id / --warehouse-conn-id
    try:
        read()
    except ConfigurationError as error:
        raise argparse.ArgumentTypeError(redact(error.detail)) from None
    except (ValueError, TypeError, AirflowException) as error:  # json, urllib, Airflow
        json_given = value.lstrip().startswith("{")
        shown = "the JSON given" if json_given else repr(masked_uri(value))
        reason = redact(str(error).replace(value, "it" if json_given else masked_uri(value)))
        raise argparse.ArgumentTypeError(
            f"{shown} is not a connection ({reason}); give {example}") from None
    return value


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run one command; 0 on success, 1 with a message naming the fix otherwise (2, from
    argparse, for an option it cannot use)."""
    args = build_parser().parse_args(argv)
    out = out or sys.stdout
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    handlers = {"authorize": authorize, "tenants": tenants, "status": status}
    try:
        return handlers[args.command](args, out)
    except XeroSyncError as error:
        print(f"error: {redact(str(error))}", file=sys.stderr)
        return 1


def _context(args: argparse.Namespace) -> tuple[XeroSettings, TokenStore]:
    settings = xero_settings(args.conn_id, args.xero_conn_uri)
    store = token_store(warehouse_target(args.warehouse_conn_id, args.warehouse_uri),
                        schema=args.schema)
    store.ensure_table()
    return settings, store


def consent_url(settings: XeroSettings, redirect_uri: str, state: str) -> str:
    """Xero's authorize URL for this app (xero-api.md section 4.2)."""
    query = {"response_type": "code", "client_id": settings.client_id,
             "redirect_uri": redirect_uri, "scope": " ".join(settings.scopes), "state": state}
    return f"{settings.authorize_url}?{urlencode(query)}"


def authorize(args: argparse.Namespace, out: TextIO) -> int:
    """Browser consent → code → tokens in the store → organisations listed."""
    settings, store = _context(args)
    _check_replaceable(settings, store, args, out)  # before a consent code is spent
    oauth = OAuthClient(settings, conn_id=args.conn_id)
    if settings.auth_mode == "client_credentials":
        print("Custom Connection: no consent needed; fetching a client-credentials token.",
              file=out)
        tokens = oauth.client_credentials()
    else:
        code, redirect_uri = _consent(settings, args, out)
        tokens = oauth.exchange_code(code, redirect_uri)
    store.save(settings.client_id, tokens, replace_undecryptable=args.replace_undecryptable)
    print(f"Stored the tokens of app {settings.client_id} in {store.description} "
          f"(table {store.table}); the access token expires {_when(tokens.expires_at)}.",
          file=out)
    _print_tenants(oauth.connections(tokens.access_token), settings, out)
    return 0


def _check_replaceable(settings: XeroSettings, store: TokenStore, args: argparse.Namespace,
                       out: TextIO) -> None:
    """Stop (before consent) at tokens this key cannot decrypt, unless told to replace them."""
    if store.readable(settings.client_id):
        return
    if not args.replace_undecryptable:
        raise KeyMismatchError(
            f"the tokens stored for app {settings.client_id} in {store.description} (table "
            f"{store.table}) cannot be decrypted with the key from {store.cipher.source}. "
            "Nothing was asked of Xero. If the key they were stored with is lost, run this "
            f"command again with {REPLACE_FLAG} to overwrite them; otherwise restore that key "
            "(README runbook: a lost Fernet key)"
        )
    print(f"The stored tokens of app {settings.client_id} cannot be decrypted with the key "
          f"from {store.cipher.source}; they will be replaced ({REPLACE_FLAG}).", file=out)


def _consent(settings: XeroSettings, args: argparse.Namespace, out: TextIO) -> tuple[str, str]:
    receiver = CallbackReceiver(args.port)
    try:
        state = secrets.token_urlsafe(24)
        url = consent_url(settings, receiver.redirect_uri, state)
        print(f"Open this URL, sign in to Xero and allow access:\n{url}", file=out, flush=True)
        if not args.no_browser:
            webbrowser.open(url)
        print(f"Waiting for Xero to redirect to {receiver.redirect_uri} ...", file=out,
              flush=True)
        redirect = receiver.wait(args.timeout)
    finally:
        receiver.close()
    if redirect is None:
        raise ConfigurationError(f"no answer from Xero within {args.timeout:.0f} s; run the "
                                 "command again (and check the app's redirect URI)")
    if redirect.state != state:
        raise ConfigurationError("the redirect's state does not match this request (a stale "
                                 "or forged redirect); run the command again")
    if redirect.error or not redirect.code:
        raise ConfigurationError(f"Xero did not grant access ({redirect.error or 'no code'}); "
                                 "run the command again and choose Allow access")
    return redirect.code, receiver.redirect_uri


def tenants(args: argparse.Namespace, out: TextIO) -> int:
    """The organisations the stored tokens reach (refreshing the token if it is due)."""
    settings, store = _context(args)
    manager = TokenManager(settings, store, conn_id=args.conn_id)
    _print_tenants(manager.oauth.connections(manager.access_token()), settings, out)
    return 0


def _print_tenants(listed: list[dict[str, object]], settings: XeroSettings,
                   out: TextIO) -> None:
    print(f"{len(listed)} organisation(s) connected:", file=out)
    chosen = settings.tenant_ids
    for item in listed:
        tenant_id = str(item.get("tenantId", ""))
        note = "" if chosen is None or tenant_id.lower() in chosen else "  (not in tenant_ids)"
        print(f"  {tenant_id}  {item.get('tenantType', '')}  {item.get('tenantName', '')}"
              f"{note}", file=out)


def status(args: argparse.Namespace, out: TextIO) -> int:
    """The token row's bookkeeping, never the tokens; 1 when a person must act."""
    settings, store = _context(args)
    row = store.status(settings.client_id)
    if row is None or not row.has_tokens:
        print(f"No tokens stored for app {settings.client_id} in {store.description}; run: "
              f"{authorize_command(args.conn_id)}", file=out)
        return 1
    readable = store.readable(settings.client_id)
    for label, value in _status_lines(row, store, readable):
        print(f"{label:<15}{value}", file=out)
    problems = _problems(row, store, readable, args.conn_id)
    for problem in problems:
        print(f"PROBLEM: {problem}", file=out)
    return 1 if problems else 0


def _problems(row: TokenStatus, store: TokenStore, readable: bool, conn_id: str) -> list[str]:
    """What stops the DAGs, each with what to do."""
    problems = []
    if not readable:
        problems.append(
            f"the tokens cannot be decrypted with the key from {store.cipher.source}: restore "
            f"the key they were stored with, or, if it is lost, run "
            f"{authorize_command(conn_id)} {REPLACE_FLAG} (README runbook: a lost Fernet key)")
    if row.last_error:
        problems.append(f"the last token refresh failed: {redact(row.last_error)}")
    return problems


def _status_lines(row: TokenStatus, store: TokenStore,
                  readable: bool) -> list[tuple[str, str]]:
    return [
        ("app", row.app_key),
        ("store", f"{store.description} (table {store.table})"),
        ("tokens", f"decrypt with the key from {store.cipher.source}" if readable else
         f"CANNOT be decrypted with the key from {store.cipher.source}"),
        ("expires", _when(row.expires_at)),
        ("refresh token", "stored" if row.has_refresh_token else "none (client credentials)"),
        ("last refresh", _when(row.refreshed_at) if row.refreshed_at else "never"),
        ("refresh count", str(row.refresh_count)),
        ("updated", _when(row.updated_at)),
        ("scopes", " ".join(row.scopes)),
        ("last error", redact(row.last_error) if row.last_error else "none"),
    ]


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "unknown"
    seconds = int((moment - utcnow()).total_seconds())
    relative = f"in {seconds // 60} min" if seconds >= 0 else f"{-seconds // 60} min ago"
    return f"{moment.isoformat(timespec='seconds')} ({relative})"
