"""Measure API calls per 1,000 records for a full extraction against the floor.

Starts the sandbox in this process with one organisation of ``--scale`` invoices, connects the
web app (authorization code, tokens in an SQLite token store), extracts Invoices as
include/mappings/invoices.yaml says (``paged``, oldest change first: keyset paging) at page
sizes 1000 and 100, and prints one JSON line per run:
calls made, records read, token-endpoint calls during extraction, and the floor
ceil((N+1)/1000).

    PYTHONPATH=plugins:tools python tools/measure_extraction_calls.py [--scale 10000]
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests
from cryptography.fernet import Fernet

from xero_sandbox.server import Sandbox
from xero_sandbox.state import SandboxConfig
from xero_sync.auth.crypto import TokenCipher
from xero_sync.auth.oauth import OAuthClient, TokenManager
from xero_sync.auth.token_store import token_store
from xero_sync.client import XeroClient
from xero_sync.extract import extract
from xero_sync.mapping import load_mapping
from xero_sync.scopes import EVERY_OBJECT
from xero_sync.settings import XeroSettings
from xero_sync.warehouse.dbapi import WarehouseTarget

REDIRECT = "http://localhost:8799/callback"
INVOICES = load_mapping(Path(__file__).resolve().parents[1] / "include" / "mappings"
                        / "invoices.yaml").extract_spec()


def _connect(sandbox: Sandbox, database: Path) -> TokenManager:
    config = sandbox.state.config
    settings = XeroSettings(config.client_id, config.client_secret, api_url=sandbox.url,
                            identity_url=sandbox.url, login_url=sandbox.url,
                            scopes=EVERY_OBJECT)
    params = {"response_type": "code", "client_id": settings.client_id, "redirect_uri": REDIRECT,
              "scope": " ".join(settings.scopes)}
    location = requests.get(settings.authorize_url, params=params, allow_redirects=False,
                            timeout=10).headers["Location"]
    code = parse_qs(urlsplit(location).query)["code"][0]
    store = token_store(WarehouseTarget("sqlite", str(database)),
                        TokenCipher(Fernet.generate_key().decode()))
    store.ensure_table()
    store.save(settings.client_id, OAuthClient(settings).exchange_code(code, REDIRECT))
    return TokenManager(settings, store)


def main() -> None:
    """Run both page sizes and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=10_000)
    args = parser.parse_args()
    limits_off = SandboxConfig(seed=42, tenants=1, scale=args.scale, auto_consent=True)
    limits_off.limits.per_minute = limits_off.limits.per_day = 1_000_000
    with Sandbox(limits_off) as sandbox, tempfile.TemporaryDirectory() as scratch:
        tokens = _connect(sandbox, Path(scratch) / "tokens.db")
        tenant = next(iter(sandbox.state.tenant_names))
        for page_size in (1000, 100):
            client = XeroClient(tokens.settings, tokens)
            token_calls = sandbox.state.stats.identity["token"]
            records = sum(len(p.records) for p in extract(client, INVOICES, tenant,
                                                          page_size=page_size))
            print(json.dumps({
                "object": "Invoices", "page_size": page_size, "records": records,
                "calls": client.counter.calls,
                "calls_per_1000_records": round(client.counter.calls / records * 1000, 2),
                "floor_calls": math.ceil((records + 1) / 1000),
                "token_calls_during_extraction":
                    sandbox.state.stats.identity["token"] - token_calls,
            }))


if __name__ == "__main__":
    main()
