"""Bench section 2: end-to-end sync of a sandbox organisation's invoices, beside fetch-only.

Each case is one fresh process (its own peak RSS, from ``resource.getrusage``) that connects
the web app the way the authorize command does (tokens encrypted in the warehouse's token
store), then runs one of:

* ``fetch``: the extraction alone (HTTP, JSON parsing, paging), nothing transformed or stored;
* ``transform``: ``run_sync`` into a warehouse that stores nothing, so extraction plus
  transformation into DataFrames, batched exactly as a real sync batches them;
* ``sqlite`` / ``postgres``: ``run_sync`` with the real XeroClient, TokenManager, token store
  and warehouse (a file; a scratch schema, dropped afterwards).

So ``sync / fetch`` is what transforming and loading add to the unavoidable reading, and
``sync / transform`` what the load alone adds. Setting up (imports, consent, CREATE TABLE) is
not timed; the sandbox's cache of encoded records is warmed first, so every case reads the
same warm server. Rows are counted in the warehouse afterwards, to prove the work was done.

Memory (issue 13): ``growth`` = peak RSS minus RSS after set-up (the process's own baseline:
interpreter, imports, connections) must stay within ``MEMORY_GOAL_MB`` at every size, on every
warehouse.

Read-ahead (issue 13): the sandbox answers at once, where Xero takes a second or so a page (and
at its real limit of 60 calls a minute, a call a second is the most a run can make), so the
same cases are repeated at ``--latency-sizes`` with every Invoices call delayed by
``--sync-latency`` seconds (the sandbox's ``slow`` fault): fetch-only, then each warehouse
reading one page ahead (as runs do) and in step (``read_ahead=False``, as before). Reading
ahead, a run should take about the longer of reading and loading, so ``x fetch`` within
``READ_AHEAD_GOAL`` (1.1).

    PYTHONPATH=plugins:tools python -m bench --only sync
"""

from __future__ import annotations

import argparse
import contextlib
import json
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import requests

from bench.common import (
    MAPPINGS,
    connect_app,
    drop_schema,
    emit,
    first_tenant,
    new_token_place,
    peak_rss_mb,
    postgres_target,
    run_child,
    scratch_schema,
    settings_for,
    table,
)

MODES = ("fetch", "transform", "sqlite", "postgres")
DATABASES = ("sqlite", "postgres")
MEMORY_GOAL_MB = 40.0  # peak RSS over the set-up's, at any organisation size
READ_AHEAD_GOAL = 1.1  # end-to-end over fetch-only, at Xero-like latency
SANDBOX_NOTE = ("sandbox CPU s = the bench process's CPU while the case ran (it only serves "
                "the sandbox then): where it approaches wall s, the sandbox is the bottleneck, "
                "and 'x fetch CPU' (our process's CPU alone) is the fairer ratio")
HOW_TO_READ = ("wall s is the whole run_sync (or the fetch alone); 'x fetch' = wall / fetch "
               "wall at that size (1.0 would mean transform and load were free; the transform "
               "row shows what the load adds on top); CPU s = the syncing process's own; rows "
               "= invoices + line items, tracking, payments, allocations; growth = peak RSS - "
               "RSS after set-up, which must not grow from the small size to the large one "
               "and must stay within 40 MB; '+N s/call' rows: every Invoices call delayed N s "
               "as Xero's are, reading one page ahead (as runs do) or 'in step' (as before): "
               "reading ahead should bring x fetch to 1.1 or less")


# -- in the child: one case --------------------------------------------------------------------

class ClientSource:
    """The page source run_sync reads: what XeroHook.extract does, without Airflow's
    Connection lookup (the client, token manager and store are the real ones)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def extract(self, spec: Any, tenant_id: str, since: datetime | None = None,
                offset: int | None = None) -> Iterator[Any]:
        """Stream one object's pages, as XeroHook.extract does."""
        from xero_sync.extract import extract

        return extract(self.client, spec, tenant_id, since, offset,
                       self.client.settings.page_size)


def null_warehouse() -> Any:
    """A warehouse that transforms-then-discards: run_sync's own batching, no database."""
    from xero_sync.warehouse.base import LoadCounts, SyncState, Warehouse

    class NullWarehouse(Warehouse):
        dialect = "none"

        def ensure_tables(self, mappings: Sequence[Any]) -> None:
            return None

        def read_state(self, mapping: Any, tenant_id: str) -> SyncState:
            return SyncState(mapping.name, tenant_id)

        def load(self, batch: Any, run: Any, state: Any) -> LoadCounts:
            children = sum(len(frame) for frame in batch.children.values())
            return LoadCounts(inserted=len(batch.parent), child_rows=children)

        def mark_missing_deleted(self, mapping: Any, tenant_id: str, run: Any,
                                 state: Any) -> int:
            return 0

        def run_lock(self, object_name: str, tenant_id: str, run_id: str,
                     wait: Any) -> Any:
            return contextlib.nullcontext()

        def retry_quarantined(self, mapping: Any, tenant_id: str, run: Any) -> LoadCounts:
            return LoadCounts()

        def quarantine_waiting(self, mapping: Any, tenant_id: str) -> int:
            return 0

        def reset_watermark(self, object_name: str, tenant_id: str, watermark_ts: Any,
                            watermark_int: Any, run_id: str) -> bool:
            return False

        def record_run(self, run: Any) -> None:
            return None

        def close(self) -> None:
            return None

    return NullWarehouse()


def open_target(case: dict[str, Any], scratch: Path) -> tuple[Any, str]:
    """Where tokens (and, for the database modes, the data) live in this case."""
    from xero_sync.warehouse.dbapi import WarehouseTarget

    if case["mode"] == "postgres":
        return postgres_target(), case["schema"]
    return WarehouseTarget("sqlite", str(scratch / "warehouse.db")), "xero"


def fetch_only(client: Any, mapping: Any, tenant: str) -> dict[str, int]:
    """Read every page and count; nothing is transformed or kept."""
    from xero_sync.extract import extract

    invoices = lines = pages = 0
    for page in extract(client, mapping.extract_spec(), tenant,
                        page_size=client.settings.page_size):
        pages += 1
        invoices += len(page.records)
        lines += sum(len(record.get("LineItems") or ()) for record in page.records)
    return {"invoices": invoices, "rows": 0, "line_items_read": lines, "pages": pages}


def synced(client: Any, warehouse: Any, mapping: Any, tenant: str,
           read_ahead: bool = True) -> dict[str, int]:
    """run_sync, as a task runs it (or reading in step); the rows its loads report."""
    from xero_sync.sync import SyncRequest, run_sync

    request = SyncRequest(mapping, tenant, run_id=f"bench-{time.time_ns()}",
                          read_ahead=read_ahead)
    outcome = run_sync(ClientSource(client), warehouse, request, client.counter)
    counts = outcome.counts
    return {"invoices": counts.inserted + counts.updated + counts.unchanged,
            "rows": counts.inserted + counts.updated + counts.child_rows, "pages": outcome.pages}


def stored_rows(warehouse: Any, mapping: Any) -> int | None:
    """Rows now in the mapping's tables (None when nothing is stored)."""
    if warehouse.dialect == "none":
        return None
    from bench.load import count_rows

    return int(count_rows(warehouse, mapping))


def run_case(case: dict[str, Any]) -> dict[str, Any]:
    """Set up untimed, run one mode timed, then count what landed."""
    from xero_sync.client import XeroClient
    from xero_sync.mapping import load_mapping
    from xero_sync.warehouse.factory import warehouse_for

    mapping = load_mapping(MAPPINGS / "invoices.yaml")
    with tempfile.TemporaryDirectory() as directory:
        target, schema = open_target(case, Path(directory))
        tokens = connect_app(settings_for(case["url"]), new_token_place(target, schema))
        client = XeroClient(tokens.settings, tokens)
        database = case["mode"] in ("sqlite", "postgres")
        warehouse = warehouse_for(target, schema) if database else null_warehouse()
        try:
            warehouse.ensure_tables([mapping])
            rss_setup = peak_rss_mb()
            started, cpu = time.perf_counter(), time.process_time()
            if case["mode"] == "fetch":
                figures = fetch_only(client, mapping, case["tenant"])
            else:
                figures = synced(client, warehouse, mapping, case["tenant"],
                                 case.get("read_ahead", True))
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
            peak = peak_rss_mb()
            stored = stored_rows(warehouse, mapping)
        finally:
            warehouse.close()
    return {**case, **figures, "calls": client.counter.calls, "wall_seconds": round(wall, 2),
            "cpu_seconds": round(cpu, 2),
            "invoices_per_second": round(figures["invoices"] / wall),
            "rows_per_second": round(figures["rows"] / wall) if figures["rows"] else None,
            "rows_stored": stored, "rss_after_setup_mb": rss_setup, "peak_rss_mb": peak,
            "rss_growth_mb": round(peak - rss_setup, 1)}


# -- in the parent: the cases ------------------------------------------------------------------

def warm_up(sandbox: Any) -> float:
    """Read every invoice page once, unparsed, with the mapping's own parameters: the sandbox
    encodes each record on its first read and sorts a collection once per ``order``, caching
    both, and the first timed case must not pay for that alone."""
    from xero_sync.mapping import load_mapping
    from xero_sync.warehouse.dbapi import WarehouseTarget

    spec = load_mapping(MAPPINGS / "invoices.yaml").extract_spec()
    settings = settings_for(sandbox.url)
    with tempfile.TemporaryDirectory() as scratch:
        place = new_token_place(WarehouseTarget("sqlite", f"{scratch}/t.db"), "xero")
        token = connect_app(settings, place).access_token()
    headers = {"Authorization": f"Bearer {token}", "xero-tenant-id": first_tenant(sandbox),
               "Accept": "application/json"}
    url = f"{sandbox.url}/api.xro/2.0/{spec.resource}"
    session = requests.Session()
    started = time.perf_counter()
    page, pages = 1, 1
    while page <= pages:
        reply = session.get(url, headers=headers, timeout=300, params={
            **spec.params, "page": str(page), "pageSize": str(settings.page_size)})
        reply.raise_for_status()
        if page == 1:
            pages = int(reply.json()["pagination"]["pageCount"])
        page += 1
    return round(time.perf_counter() - started, 1)


def run_one(sandbox: Any, size: int, mode: str, latency: float = 0.0,
            read_ahead: bool = True) -> dict[str, Any]:
    """One case in a child process; PostgreSQL gets a scratch schema, dropped afterwards."""
    case: dict[str, Any] = {"mode": mode, "size": size, "url": sandbox.url,
                            "tenant": first_tenant(sandbox), "latency": latency,
                            "read_ahead": read_ahead}
    if mode == "postgres":
        case["schema"] = scratch_schema("bench_sync")
    serving = time.process_time()  # this process is idle but for the sandbox's threads
    try:
        result = run_child("bench.sync", ["--case", json.dumps(case)])
        result["sandbox_cpu_seconds"] = round(time.process_time() - serving, 2)
        return result
    finally:
        if mode == "postgres":
            drop_schema(case["schema"])


def run(sandboxes: Any, sizes: Sequence[int], modes: Sequence[str],
        transform_sizes: Sequence[int] = (), echo: Any = print,
        latency_sizes: Sequence[int] = (), latency: float = 1.0) -> dict[str, Any]:
    """Every mode at every size (small first), each sandbox warmed before its cases; the
    ``transform`` mode only at ``transform_sizes`` (at 100,000 it costs two minutes); at
    ``latency_sizes`` the read-ahead cases too (module docstring)."""
    results, warm = [], {}
    for size in sorted(set(sizes) | set(latency_sizes)):
        sandbox = sandboxes.get(size)
        warm[size] = warm_up(sandbox)
        cases = [(m, 0.0, True) for m in modes
                 if size in sizes and (m != "transform" or size in transform_sizes)]
        if size in latency_sizes:
            cases += [("fetch", latency, True)] + [
                (m, latency, ahead) for m in modes if m in DATABASES for ahead in (True, False)]
        for mode, delay, ahead in cases:
            with slowed(sandbox, delay):
                results.append(run_one(sandbox, size, mode, delay, ahead))
            echo(f"  sync {label(results[-1]):<24} {size:>8,} invoices: "
                 f"{results[-1]['wall_seconds']:.1f} s", flush=True)
        if size != max([*sizes, *latency_sizes]):
            sandboxes.close(size)
    return {"results": results, "warm_up_seconds": warm,
            "generation_seconds": dict(sandboxes.generation_seconds),
            "x_fetch": ratios(results), "x_fetch_cpu": ratios(results, "cpu_seconds"),
            "memory": memory(results, sizes), "memory_goal": memory_goal(results),
            "read_ahead": read_ahead_summary(results), "sandbox_note": SANDBOX_NOTE}


@contextlib.contextmanager
def slowed(sandbox: Any, latency: float) -> Iterator[None]:
    """Every Invoices call answered ``latency`` seconds late (none when 0)."""
    if not latency:
        yield
        return
    sandbox.state.faults.add({"kind": "slow", "rate": 1.0, "delay": latency,
                              "path": "/Invoices"})
    try:
        yield
    finally:
        sandbox.state.faults.clear()


def label(result: dict[str, Any]) -> str:
    """The case's name in the table: mode, in step or not, and the latency added."""
    name = result["mode"]
    if result["mode"] in DATABASES and not result.get("read_ahead", True):
        name += " in step"
    if result.get("latency"):
        name += f" +{result['latency']:g} s/call"
    return name


def ratios(results: list[dict[str, Any]], measure: str = "wall_seconds") -> dict[str, float]:
    """Each case's wall (or CPU) time over fetch-only's, at the same size and latency."""
    found = {}
    for r in results:
        fetch = next((f for f in results if f["mode"] == "fetch" and f["size"] == r["size"]
                      and f.get("latency") == r.get("latency")), None)
        if fetch is not None and fetch[measure]:
            found[f"{label(r)}@{r['size']}"] = round(r[measure] / fetch[measure], 2)
    return found


def memory_goal(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Peak RSS over set-up of every warehouse case, against ``MEMORY_GOAL_MB``."""
    cases = {f"{label(r)}@{r['size']}": r["rss_growth_mb"] for r in results
             if r["mode"] in DATABASES}
    return {"goal_mb": MEMORY_GOAL_MB, "growth_mb": cases,
            "held": bool(cases) and all(v <= MEMORY_GOAL_MB for v in cases.values())}


def read_ahead_summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    """At each latency measured: each warehouse's wall time reading ahead and in step, and
    both over fetch-only's, against ``READ_AHEAD_GOAL``."""
    found: dict[str, Any] = {}
    for r in results:
        if not r.get("latency") or r["mode"] not in DATABASES or not r.get("read_ahead", True):
            continue
        same = [f for f in results if f["size"] == r["size"] and f.get("latency") ==
                r["latency"]]
        fetch = next(f for f in same if f["mode"] == "fetch")
        step = next(f for f in same if f["mode"] == r["mode"] and not f.get("read_ahead", True))
        found[f"{r['mode']}@{r['size']} +{r['latency']:g} s/call"] = {
            "fetch_s": fetch["wall_seconds"], "read_ahead_s": r["wall_seconds"],
            "in_step_s": step["wall_seconds"],
            "x_fetch_read_ahead": round(r["wall_seconds"] / fetch["wall_seconds"], 2),
            "x_fetch_in_step": round(step["wall_seconds"] / fetch["wall_seconds"], 2),
            "held": r["wall_seconds"] <= READ_AHEAD_GOAL * fetch["wall_seconds"]}
    return found


def memory(results: list[dict[str, Any]], sizes: Sequence[int]) -> dict[str, Any]:
    """Peak RSS growth at the largest size minus at the smallest, per mode (flat = small)."""
    small, large = min(sizes), max(sizes)
    plain = [r for r in results if not r.get("latency")]
    found = {}
    for mode in {r["mode"] for r in plain}:
        one = next((r for r in plain if r["mode"] == mode and r["size"] == small), None)
        two = next((r for r in plain if r["mode"] == mode and r["size"] == large), None)
        if one is not None and two is not None and small != large:
            found[mode] = {"growth_mb_small": one["rss_growth_mb"],
                           "growth_mb_large": two["rss_growth_mb"],
                           "peak_mb_small": one["peak_rss_mb"], "peak_mb_large": two["peak_rss_mb"]}
    return found


def render(report: dict[str, Any]) -> str:
    """The section as a table."""
    rows = []
    for r in report["results"]:
        key = f"{label(r)}@{r['size']}"
        rows.append([label(r), r["invoices"], r["rows"] or None, r["calls"], r["wall_seconds"],
                     report["x_fetch"].get(key), r["cpu_seconds"],
                     report["x_fetch_cpu"].get(key), r["sandbox_cpu_seconds"],
                     r["invoices_per_second"], r["rows_per_second"], r["rss_after_setup_mb"],
                     r["peak_rss_mb"], r["rss_growth_mb"]])
    headers = ["mode", "invoices", "rows", "calls", "wall s", "x fetch", "CPU s", "x fetch CPU",
               "sandbox CPU s", "invoices/s", "rows/s", "RSS setup MB", "peak RSS MB",
               "growth MB"]
    lines = [table(headers, rows)]
    for mode, figures in sorted(report["memory"].items()):
        lines.append(f"memory, {mode}: peak - set-up = {figures['growth_mb_small']} MB at the "
                     f"small size, {figures['growth_mb_large']} MB at the large one")
    goal = report.get("memory_goal")
    if goal and goal["growth_mb"]:
        worst = max(goal["growth_mb"].items(), key=lambda item: item[1])
        lines.append(f"memory goal (sync adds <= {goal['goal_mb']:g} MB over set-up, every "
                     f"warehouse and size): {'held' if goal['held'] else 'NOT held'}; most "
                     f"{worst[1]} MB ({worst[0]})")
    for case, figures in report.get("read_ahead", {}).items():
        lines.append(f"read-ahead, {case}: {figures['read_ahead_s']} s reading ahead, "
                     f"{figures['in_step_s']} s in step, fetch-only {figures['fetch_s']} s: "
                     f"x fetch {figures['x_fetch_read_ahead']} (goal <= {READ_AHEAD_GOAL}: "
                     f"{'held' if figures['held'] else 'NOT held'}), in step "
                     f"{figures['x_fetch_in_step']}")
    return "\n".join([*lines, report["sandbox_note"]])


def main() -> None:
    """Child entry point: ``--case JSON`` runs one case and emits its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", required=True, help="the case, as JSON (set by bench.py)")
    emit(run_case(json.loads(parser.parse_args().case)))


if __name__ == "__main__":
    main()
