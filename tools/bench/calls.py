"""Bench section 1: API calls per 1,000 records, per extraction strategy, against the floor.

Xero allows 60 calls a minute and 5,000 a day per organisation, so calls, not seconds, are
what a large organisation runs out of. For one representative object per strategy, a full
first extraction (no watermark) is run with the real client on a sandbox organisation, and the
calls it made are set against the fewest the strategy could possibly make:

* ``paged`` (1,000 a page): ceil((N+1)/1000), a short page ends the read;
* ``journals`` (100 a call, by offset) and ``client_filtered`` (Xero's 100 a page):
  ceil((N+1)/100);
* ``modified_since`` and ``full`` (one unpaged call): 1.

Calls are counted twice, by the client and by the sandbox, and must agree; token-endpoint calls
during the extraction are reported separately (they do not spend the API quota).
"""

from __future__ import annotations

import math
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import (
    MAPPINGS,
    connect_app,
    first_tenant,
    new_token_place,
    settings_for,
    table,
)

# strategy -> the representative object (the largest of that strategy in the sandbox)
REPRESENTATIVES = {"paged": "invoices", "journals": "journals",
                   "modified_since": "bank_transfers", "full": "repeating_invoices",
                   "client_filtered": "linked_transactions"}
HOW_TO_READ = ("calls/1k = API calls per 1,000 records read; 'x floor' = calls / fewest "
               "possible (1.00 = optimal; paged can beat the +1 floor when Xero's pageCount ends "
               "the read); 'token' = token-endpoint calls meanwhile (not API quota)")


def floor_calls(strategy: str, records: int) -> int:
    """The fewest calls that can read ``records`` records with this strategy."""
    if strategy == "paged":
        return math.ceil((records + 1) / 1000)
    if strategy in ("journals", "client_filtered"):
        return math.ceil((records + 1) / 100)
    return 1  # modified_since, full: one unpaged call


def measure_one(sandbox: Any, tokens: Any, strategy: str, name: str) -> dict[str, Any]:
    """Extract one object completely and count its calls against the floor."""
    from xero_sync.client import XeroClient
    from xero_sync.extract import extract
    from xero_sync.mapping import load_mapping

    mapping = load_mapping(MAPPINGS / f"{name}.yaml")
    tenant = first_tenant(sandbox)
    client = XeroClient(tokens.settings, tokens)
    stats = sandbox.state.stats
    server_before = stats.calls[(tenant, mapping.resource)]
    token_before = stats.identity["token"]
    started = time.perf_counter()
    records = sum(len(page.records) for page in extract(client, mapping.extract_spec(), tenant,
                                                        page_size=tokens.settings.page_size))
    seconds = time.perf_counter() - started
    calls = client.counter.calls
    floor = floor_calls(strategy, records)
    return {"strategy": strategy, "object": mapping.resource, "records": records,
            "calls": calls, "calls_seen_by_sandbox": stats.calls[(tenant, mapping.resource)]
            - server_before, "floor_calls": floor,
            "calls_per_1000_records": round(calls / max(records, 1) * 1000, 2),
            "floor_per_1000_records": round(floor / max(records, 1) * 1000, 2),
            "calls_over_floor": round(calls / floor, 2),
            "token_calls": stats.identity["token"] - token_before,
            "retries": client.counter.retries, "seconds": round(seconds, 2)}


def run(sandbox: Any, scale: int) -> dict[str, Any]:
    """Every strategy's representative on one organisation of about ``scale`` invoices."""
    from xero_sync.warehouse.dbapi import WarehouseTarget

    with tempfile.TemporaryDirectory() as scratch:
        place = new_token_place(WarehouseTarget("sqlite", str(Path(scratch) / "t.db")), "xero")
        tokens = connect_app(settings_for(sandbox.url), place)
        results = [measure_one(sandbox, tokens, strategy, name)
                   for strategy, name in REPRESENTATIVES.items()]
    mismatched = [r["object"] for r in results if r["calls"] != r["calls_seen_by_sandbox"]]
    return {"scale": scale, "results": results, "client_and_sandbox_agree": not mismatched,
            "note": "first (full) extraction, no watermark; client and sandbox in one process "
                    "(seconds are indicative only)"}


def render(report: dict[str, Any]) -> str:
    """The section as a table."""
    rows = [[r["strategy"], r["object"], r["records"], r["calls"], r["floor_calls"],
             r["calls_per_1000_records"], r["floor_per_1000_records"], r["calls_over_floor"],
             r["token_calls"]] for r in report["results"]]
    headers = ["strategy", "object", "records", "calls", "floor", "calls/1k", "floor/1k",
               "x floor", "token"]
    agree = "yes" if report["client_and_sandbox_agree"] else "NO"
    return (f"organisation of ~{report['scale']:,} invoices; client and sandbox call counts "
            f"agree: {agree}\n" + table(headers, rows))
