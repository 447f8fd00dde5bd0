"""Bench section 6, "real limits": syncs of one organisation at Xero's own rate limits.

The sandbox keeps Xero's defaults here (60 calls a rolling minute and 5 in flight per
organisation, 10,000 a minute per app) and holds a 10,000-invoice organisation. Invoices,
Contacts, Payments and Journals are synced at the same moment by separate processes, as four
DAGs would run them, each through the client and rate limiter a task builds: tokens and the
limiter's ledger in the same warehouse (PostgreSQL when it answers, else an SQLite file).

Xero lets C calls through in no less than the floor of 60 * floor((C - 1) / 60) seconds (each
later minute's calls wait for the first minute's to leave the window). The figures: wall time
from the first sync's start to the last one's end, the floor for the calls admitted, their
ratio (goal <= 1.10), the 429s the sandbox served (goal <= 1% of calls), calls per object.
It takes minutes by nature (about 238 calls at 60 a minute), so it is a bench, never a test.

    PYTHONPATH=plugins:tools python -m bench --only limits
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import (
    MAPPINGS,
    RESULT_MARK,
    ROOT,
    SEED,
    child_env,
    connect_app,
    drop_schema,
    emit,
    new_token_place,
    postgres_target,
    scratch_schema,
    settings_for,
    table,
)

OBJECTS = ("invoices", "contacts", "payments", "journals")
GOAL_RATIO, GOAL_429_SHARE = 1.10, 0.01
START_DELAY = 15.0  # seconds for every child to import and set up before the common start
HOW_TO_READ = (
    "wall s = first sync's start to last sync's end, all objects at once in separate "
    "processes; floor s = 60 * floor((C - 1) / 60) for the C calls Xero (the sandbox) "
    f"admitted; x floor = wall / floor (goal <= {GOAL_RATIO}); 429s = answers of 429 served, "
    f"as a share of all calls (goal <= {GOAL_429_SHARE:.0%}); paced s = time each sync waited "
    "for the organisation's budget (the rate limiter), slept s = time waiting out 429s")


# -- in the child: one object's sync ------------------------------------------------------------

def run_case(case: dict[str, Any]) -> dict[str, Any]:
    """Build what a task builds (token manager, warehouse ledger, client), wait for the common
    start, then sync one object of the organisation."""
    from bench.sync import ClientSource
    from xero_sync.auth.crypto import TokenCipher
    from xero_sync.auth.oauth import TokenManager
    from xero_sync.auth.token_store import token_store
    from xero_sync.client import XeroClient
    from xero_sync.mapping import load_mapping
    from xero_sync.ratelimit import RateLimiter
    from xero_sync.ratelimit.warehouse_ledger import warehouse_ledger
    from xero_sync.sync import SyncRequest, run_sync
    from xero_sync.warehouse.dbapi import target_from_uri
    from xero_sync.warehouse.factory import warehouse_for

    target, schema = target_from_uri(case["warehouse"]), case["schema"]
    settings = settings_for(case["url"])
    tokens = TokenManager(settings, token_store(target, TokenCipher(case["key"]), schema))
    limiter = RateLimiter(settings.client_id, warehouse_ledger(target, schema),
                          settings.rate_limits)
    client = XeroClient(settings, tokens, limiter=limiter)
    mapping = load_mapping(MAPPINGS / f"{case['object']}.yaml")
    warehouse = warehouse_for(target, schema)
    try:
        warehouse.ensure_tables([mapping])
        tokens.access_token()
        time.sleep(max(0.0, case["start_at"] - time.time()))
        started = time.time()
        request = SyncRequest(mapping, case["tenant"], run_id=f"bench-limits-{time.time_ns()}")
        outcome = run_sync(ClientSource(client), warehouse, request, client.counter)
        ended = time.time()
    finally:
        warehouse.close()
    counter, counts = client.counter, outcome.counts
    return {"object": case["object"], "started": started, "ended": ended,
            "wall_seconds": round(ended - started, 1), "calls": counter.calls,
            "rate_limit_waits": counter.rate_limit_waits,
            "paced_seconds": round(counter.paced_seconds, 1),
            "slept_seconds": round(counter.slept_seconds, 1), "pages": outcome.pages,
            "records": counts.inserted + counts.updated + counts.unchanged}


# -- in the parent ------------------------------------------------------------------------------

def start_sandbox(scale: int) -> Any:
    """An in-process sandbox at Xero's default limits (its limiter runs on real time)."""
    from xero_sandbox.server import Sandbox
    from xero_sandbox.state import SandboxConfig

    return Sandbox(SandboxConfig(seed=SEED, tenants=1, scale=scale, auto_consent=True)).start()


def warehouse_place(postgres_missing: str | None, scratch: Path) -> tuple[str, str]:
    """Where the syncs' tokens, ledger and data go: a URI and a schema."""
    if postgres_missing:
        return f"sqlite:///{scratch / 'warehouse.db'}", "xero"
    target = postgres_target()
    return (f"postgresql://{target.user}@{target.host}:{target.port}/{target.database}",
            scratch_schema("bench_limits"))


def launch(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every case in its own process at once; their results, in case order."""
    running = [subprocess.Popen(  # noqa: S603 - our own script
        [sys.executable, "-m", "bench.limits", "--case", json.dumps(case)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env(), cwd=ROOT)
        for case in cases]
    results = []
    for case, child in zip(cases, running, strict=True):
        out, err = child.communicate(timeout=1800)
        found = [line[len(RESULT_MARK):] for line in out.splitlines()
                 if line.startswith(RESULT_MARK)]
        if child.returncode != 0 or not found:
            raise RuntimeError(f"the {case['object']} sync failed (exit {child.returncode}):\n"
                               f"{err[-3000:]}{out[-1000:]}")
        results.append(json.loads(found[-1]))
    return results


def run(scale: int, postgres_missing: str | None, echo: Any = print) -> dict[str, Any]:
    """The section: the sandbox, the concurrent syncs, and the figures against the floor."""
    from xero_sync.warehouse.dbapi import target_from_uri

    started = time.perf_counter()
    sandbox = start_sandbox(scale)
    generated = round(time.perf_counter() - started, 1)
    tenant = str(next(iter(sandbox.state.tenant_names)))
    with tempfile.TemporaryDirectory() as scratch:
        uri, schema = warehouse_place(postgres_missing, Path(scratch))
        try:
            place = new_token_place(target_from_uri(uri), schema)
            connect_app(settings_for(sandbox.url), place)
            start_at = time.time() + START_DELAY
            cases = [{"object": name, "url": sandbox.url, "tenant": tenant, "warehouse": uri,
                      "schema": schema, "key": place.key, "start_at": start_at}
                     for name in OBJECTS]
            echo(f"  limits: {len(cases)} syncs of one {scale:,}-invoice organisation start at "
                 f"{datetime.fromtimestamp(start_at, UTC):%H:%M:%S} UTC", flush=True)
            results = launch(cases)
            stats = sandbox.state.stats.as_json()
        finally:
            sandbox.stop()
            if not postgres_missing:
                drop_schema(schema)
    report = figures(results, stats)
    report.update({"scale": scale, "generation_seconds": generated,
                   "warehouse": "sqlite" if postgres_missing else "postgres",
                   "limits": "Xero's defaults: 60/min and 5 in flight per organisation, "
                             "10,000/min per app"})
    return report


def figures(results: list[dict[str, Any]], stats: dict[str, Any]) -> dict[str, Any]:
    """Wall time, floor, ratio and 429s from the children's times and the sandbox's counts."""
    wall = max(r["ended"] for r in results) - min(r["started"] for r in results)
    calls_total = int(stats["calls_total"])
    refused = sum(int(v) for v in stats["rate_limited"].values())
    admitted = calls_total - refused
    floor = 60 * math.floor((admitted - 1) / 60) if admitted else 0
    return {"results": results, "wall_seconds": round(wall, 1), "calls": calls_total,
            "admitted_calls": admitted, "floor_seconds": floor,
            "x_floor": round(wall / floor, 3) if floor else None,
            "rate_limited": stats["rate_limited"], "answers_429": refused,
            "share_429": round(refused / calls_total, 4) if calls_total else 0.0,
            "calls_per_endpoint": next(iter(stats["calls"].values()), {}),
            "goals": {"x_floor": GOAL_RATIO, "share_429": GOAL_429_SHARE}}


def render(report: dict[str, Any]) -> str:
    """Per object, then the totals against the goals."""
    rows = [[r["object"], r["calls"], r["records"], r["wall_seconds"], r["paced_seconds"],
             r["rate_limit_waits"], r["slept_seconds"]] for r in report["results"]]
    lines = [table(["object", "calls", "records", "wall s", "paced s", "429 waits", "slept s"],
                   rows)]
    ratio = report["x_floor"]
    lines.append(
        f"{report['scale']:,} invoices, {report['warehouse']} warehouse: wall "
        f"{report['wall_seconds']} s for {report['admitted_calls']} calls admitted; floor "
        f"{report['floor_seconds']} s; x floor {ratio if ratio is not None else '-'} (goal <= "
        f"{GOAL_RATIO}); 429s {report['answers_429']} of {report['calls']} calls "
        f"({report['share_429']:.1%}; goal <= {GOAL_429_SHARE:.0%}) {report['rate_limited']}")
    return "\n".join(lines)


def main() -> None:
    """Child entry point: ``--case JSON`` syncs one object and emits its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", required=True, help="the case, as JSON (set by bench.py)")
    emit(run_case(json.loads(parser.parse_args().case)))


if __name__ == "__main__":
    main()
