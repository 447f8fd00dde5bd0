"""``make bench``: the project's performance figures in one command, one JSON file, one table.

    PYTHONPATH=plugins:tools .venv/bin/python -m bench [--quick] [--only SECTIONS]
        [--output var/bench/bench.json]

Sections (each also runs alone with ``--only NAME``):

1. ``calls``: API calls per 1,000 records per extraction strategy, against the floor
   (tools/bench/calls.py);
2. ``sync``: end-to-end sync of 10,000 and 100,000 sandbox invoices into SQLite and PostgreSQL
   beside fetch-only (and fetch+transform at 10,000): rows/s, wall and CPU time, peak RSS
   over set-up against 40 MB; at 10,000 again with every call delayed ``--sync-latency`` s,
   reading one page ahead and in step (tools/bench/sync.py);
3. ``load``: the warehouse load alone, ours against a naive baseline (tools/bench/load.py);
4. ``parse``: DAG parse time, target under one second (tools/bench/parse.py);
5. ``tokens``: token refreshes with 16 processes sharing one store (tools/bench/tokens.py);
6. ``limits``: at Xero's real rate limits, four concurrent syncs (processes) of one 10,000-invoice
   organisation against the floor 60 * floor((C - 1) / 60) s, and the 429s served
   (tools/bench/limits.py; minutes by nature: ``--only limits`` runs it alone).
7. ``webhooks``: latency from a change in the sandbox to its row by the webhook path, with a
   real Airflow scheduler and triggerer, and API calls per changed record against an hourly
   incremental run (tools/bench/webhooks.py; several minutes, so ``--quick`` leaves it out).
8. ``organisations``: one scheduled round of many sandbox organisations on a real
   CeleryExecutor deployment (two workers), a task per organisation against batches: task
   instances, wall and CPU seconds of the deployment per organisation-object sync, 429s, and
   the projection to 200 organisations x 25 DAGs an hour (tools/bench/organisations.py;
   minutes, so ``--quick`` leaves it out).
9. ``reports``: time of each report of the reporting layer for one organisation of 100,000
   invoices on SQLite and PostgreSQL, goal under 2 s each (tools/bench/reports.py).

Why one command: figures taken on different days, machines and loads cannot be compared; one
run writes them together with the machine's load average, so a slow figure can be told apart
from a busy machine. The sandbox's rate limits are lifted in sections 1-5 (``LIMITS_NOTE``): at
Xero's 60 calls a minute the quota, not our code, would be measured; section 6 measures how
close to that quota the rate limiter comes. ``--quick`` runs every
section but ``webhooks`` (which needs a real scheduler for minutes) at a tiny scale in well
under a minute (tests/bench keeps it from rotting).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import shlex
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import calls, limits, load, organisations, parse, reports, sync, tokens, webhooks
from bench.common import LIMITS_NOTE, ROOT, Sandboxes, load_average, postgres_available

DEFAULT_OUTPUT = ROOT / "var" / "bench" / "bench.json"
SECTIONS = ("calls", "sync", "load", "parse", "tokens", "limits", "webhooks", "organisations",
            "reports")
# Minutes of a real scheduler: only when asked for by --only.
QUICK_SKIPS = ("webhooks", "organisations")
FULL = {"calls_scale": 10_000, "sync_sizes": "10000,100000", "transform_sizes": "10000",
        "latency_sizes": "10000", "sync_latency": 1.0,
        "load_invoices": 100_000, "load_small": 10_000, "load_baseline": 10_000,
        "load_page": 1_000, "load_engines": "sqlite,postgres,mssql", "parse_runs": 3,
        "parse_measures": "dagbag,import", "token_processes": 16, "token_seconds": 20.0,
        "limits_scale": 10_000, "webhook_changes": 120, "webhook_seconds": 240.0,
        "organisations": 40, "organisation_dags": 4,
        "reports_invoices": 100_000, "reports_engines": "sqlite,postgres,mssql"}
# Quick: every section's code runs, in under a minute on a busy 2-CPU machine. Most of the
# time is interpreters starting (Airflow's SDK alone takes 2-3 s of CPU to import), so the
# load section runs SQLite only (the sync section still loads PostgreSQL), the parse section
# times the DagBag alone, and two token workers stand in for sixteen.
QUICK = {"calls_scale": 300, "sync_sizes": "300", "transform_sizes": "300",
         "latency_sizes": "300", "sync_latency": 0.2,
         "load_invoices": 600, "load_small": 300, "load_baseline": 300, "load_page": 300,
         "load_engines": "sqlite", "parse_runs": 1, "parse_measures": "dagbag",
         "token_processes": 2, "token_seconds": 2.0, "limits_scale": 300,
         "webhook_changes": 10, "webhook_seconds": 20.0, "organisations": 4,
         "organisation_dags": 1, "reports_invoices": 300, "reports_engines": "sqlite"}


@dataclass
class Context:
    """What the sections share: the options, the sandboxes, whether PostgreSQL is there."""

    args: argparse.Namespace
    sandboxes: Sandboxes
    postgres_missing: str | None

    @property
    def engines(self) -> list[str]:
        """The warehouses to measure: SQLite, PostgreSQL when it answers, and SQL Server when
        XERO_SYNC_TEST_MSSQL names one (Babelfish here: its figures are Babelfish's)."""
        found = ["sqlite"] if self.postgres_missing else ["sqlite", "postgres"]
        return found + (["mssql"] if os.environ.get("XERO_SYNC_TEST_MSSQL") else [])


@dataclass(frozen=True)
class Section:
    """One part of the report: how to run it, how to print it, how to read it."""

    name: str
    title: str
    run: Callable[[Context], dict[str, Any]]
    render: Callable[[dict[str, Any]], str]
    how_to_read: str


# -- the sections ------------------------------------------------------------------------------

def run_calls(ctx: Context) -> dict[str, Any]:
    """Section 1 on the sandbox of ``--calls-scale`` invoices (kept if sync reuses it)."""
    scale = ctx.args.calls_scale
    report = calls.run(ctx.sandboxes.get(scale), scale)
    if scale not in sync_sizes(ctx.args) or "sync" not in ctx.args.only:
        ctx.sandboxes.close(scale)
    return report


def run_sync(ctx: Context) -> dict[str, Any]:
    """Section 2: every mode at every size; PostgreSQL only when it answers."""
    modes = [m for m in sync.MODES if m != "postgres" or not ctx.postgres_missing]
    try:
        transform = [int(size) for size in ctx.args.transform_sizes.split(",") if size]
        latency = [int(size) for size in ctx.args.latency_sizes.split(",") if size]
        report = sync.run(ctx.sandboxes, sync_sizes(ctx.args), modes, transform,
                                latency_sizes=latency, latency=ctx.args.sync_latency)
    finally:
        ctx.sandboxes.close_all()  # 1.5 GB at 100,000 invoices: gone before the next section
    report["rate_limits"] = LIMITS_NOTE
    report["postgres_skipped"] = ctx.postgres_missing
    return report


def run_load(ctx: Context) -> dict[str, Any]:
    """Section 3: tools/bench/load.py's own cases, with this run's sizes."""
    a = ctx.args
    args = load.parse_args([
        "--invoices", str(a.load_invoices), "--small", str(a.load_small),
        "--baseline-invoices", str(a.load_baseline), "--page", str(a.load_page),
        "--engines", ",".join(e for e in ctx.engines if e in a.load_engines.split(","))])
    report = load.run(args, echo=lambda line, **_: print(f"  load {line}", flush=True))
    report["baseline_invoices"] = a.load_baseline
    report["postgres_skipped"] = ctx.postgres_missing
    return report


def render_load(report: dict[str, Any]) -> str:
    """bench_load's own table and speed-up line."""
    return (load.table(report["results"]) + "\n"
            + load.summary(report, report["baseline_invoices"]))


def run_parse(ctx: Context) -> dict[str, Any]:
    """Section 4."""
    return parse.run(ctx.args.parse_runs, tuple(ctx.args.parse_measures.split(",")))


def run_tokens(ctx: Context) -> dict[str, Any]:
    """Section 5 (SQLite token store)."""
    return tokens.run(ctx.args.token_processes, ctx.args.token_seconds)


def run_limits(ctx: Context) -> dict[str, Any]:
    """Section 6 (PostgreSQL warehouse when it answers, else SQLite)."""
    return limits.run(ctx.args.limits_scale, ctx.postgres_missing)


def run_webhooks(ctx: Context) -> dict[str, Any]:
    """Section 7: its own sandbox (two organisations), warehouse and Airflow."""
    return webhooks.run(ctx.args.webhook_changes, ctx.args.webhook_seconds)


def run_organisations(ctx: Context) -> dict[str, Any]:
    """Section 8: its own sandbox, Redis database and Airflow deployment, twice."""
    return organisations.run(ctx.args.organisations, ctx.args.organisation_dags, [1, 20])


def run_reports(ctx: Context) -> dict[str, Any]:
    """Section 9: one generated organisation, loaded into each engine, each report timed."""
    wanted = ctx.args.reports_engines.split(",")
    return reports.run(ctx.args.reports_invoices, [e for e in ctx.engines if e in wanted])


ALL = (
    Section("calls", "1. API calls per 1,000 records, per strategy, against the floor",
            run_calls, calls.render, calls.HOW_TO_READ),
    Section("sync", "2. End-to-end sync of sandbox invoices (run_sync) vs fetch-only",
            run_sync, sync.render, sync.HOW_TO_READ),
    Section("load", "3. Warehouse load alone: ours vs a naive baseline (tools/bench/load.py)",
            run_load, render_load, "rows/s of Warehouse.load calls only; speed-up = ours / "
            "baseline rows/s at the baseline's size; peak RSS must not grow with invoices; "
            "SQLite's floor (the same rows inserted, nothing else) bounds any loader's "
            "speed-up there"),
    Section("parse", "4. DAG parse time (target: all DAGs under 1 s)", run_parse,
            parse.render, parse.HOW_TO_READ),
    Section("tokens", "5. Token refreshes under contention (shared SQLite token store)",
            run_tokens, tokens.render, tokens.HOW_TO_READ),
    Section("limits", "6. Real limits: concurrent syncs of one organisation at Xero's rate "
            "limits vs the floor", run_limits, limits.render, limits.HOW_TO_READ),
    Section("webhooks", "7. Webhooks: change in Xero to row in the warehouse, real scheduler",
            run_webhooks, webhooks.render, webhooks.HOW_TO_READ),
    Section("organisations", "8. Many organisations: a task per organisation vs batches, "
            "real CeleryExecutor", run_organisations, organisations.render,
            organisations.HOW_TO_READ),
    Section("reports", "9. Reporting layer: each report for one large organisation "
            "(goal: under 2 s)", run_reports, reports.render, reports.HOW_TO_READ),
)


# -- running and reporting ---------------------------------------------------------------------

def sync_sizes(args: argparse.Namespace) -> list[int]:
    """The invoice counts of the sync section."""
    return [int(size) for size in str(args.sync_sizes).split(",")]


def section_command(name: str) -> str:
    """The exact command that reruns one section with this run's options."""
    argv, skip = [], False
    for word in sys.argv[1:]:
        if skip or word.startswith("--only="):
            skip = False
            continue
        if word == "--only":
            skip = True
            continue
        argv.append(word)
    return command_line([*argv, "--only", name])


def command_line(argv: list[str]) -> str:
    """``PYTHONPATH=plugins:tools <python> -m bench ...``, as typed in the repo root."""
    python = os.path.relpath(sys.executable, ROOT) if sys.executable.startswith(str(ROOT)) \
        else sys.executable
    return "PYTHONPATH=plugins:tools " + shlex.join([python, "-m", "bench", *argv])


def run_section(section: Section, ctx: Context) -> dict[str, Any]:
    """Run one section, timing it and noting the machine's load; an error is recorded, not
    raised, so the other sections still report."""
    entry: dict[str, Any] = {"title": section.title, "command": section_command(section.name),
                             "how_to_read": section.how_to_read,
                             "load_average_before": load_average()}
    print(f"\n== {section.title} ==\ncommand: {entry['command']}", flush=True)
    started = time.perf_counter()
    try:
        entry["report"] = section.run(ctx)
    except Exception as error:  # reported in the JSON and the exit status
        entry["error"] = f"{type(error).__name__}: {error}"
        traceback.print_exc()
    entry["seconds"] = round(time.perf_counter() - started, 1)
    entry["load_average_after"] = load_average()
    print_section(section, entry)
    return entry


def print_section(section: Section, entry: dict[str, Any]) -> None:
    """The section's table, how to read it, and what it cost."""
    if "report" in entry:
        print(section.render(entry["report"]))
    else:
        print(f"FAILED: {entry['error']}")
    print(f"how to read this: {section.how_to_read}")
    print(f"({entry['seconds']:.0f} s; load average {entry['load_average_before'][0]} -> "
          f"{entry['load_average_after'][0]})", flush=True)


def machine() -> dict[str, Any]:
    """Where the figures were taken; a busy shared machine explains slow figures."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True,  # noqa: S607 - git from PATH
                                text=True, check=False, cwd=ROOT).stdout.strip() or None
    except OSError:
        commit = None
    return {"cpus": os.cpu_count(), "platform": platform.platform(),
            "python": platform.python_version(), "git_commit": commit,
            "load_average_start": load_average()}


def write(report: dict[str, Any], output: Path) -> None:
    """The JSON, rewritten after every section so a late failure keeps the early figures."""
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Options; --quick swaps every size for a tiny one (explicit options still win)."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    parser.add_argument("--only", default=None,
                        help=f"comma-separated sections: {','.join(SECTIONS)} (default all; "
                             f"with --quick all but {','.join(QUICK_SKIPS)})")
    for name, value in FULL.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(value), default=None)
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    for name, value in sizes.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if args.only is None:
        args.only = ",".join(s for s in SECTIONS if not (args.quick and s in QUICK_SKIPS))
    args.only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(args.only) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the chosen sections in order; 1 if any failed."""
    args = parse_args(argv)
    # The in-process sections (calls, warm-ups) would print a line per page through Airflow's
    # root log handler; the timed syncs run in children, whose logs stay as in production.
    logging.getLogger("xero_sync").setLevel(logging.WARNING)
    started = time.perf_counter()
    missing = postgres_available()
    report: dict[str, Any] = {
        "command": command_line(sys.argv[1:] if argv is None else argv),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"), "quick": args.quick,
        "machine": machine(), "rate_limits": LIMITS_NOTE, "postgres_skipped": missing,
        "sections": {}}
    print(f"bench: {report['command']}\nmachine: {report['machine']['cpus']} CPUs, load "
          f"average {report['machine']['load_average_start']}\n{LIMITS_NOTE}", flush=True)
    if missing:
        print(f"PostgreSQL cases skipped: {missing}")
    ctx = Context(args, Sandboxes(), missing)
    try:
        for section in ALL:
            if section.name in args.only:
                report["sections"][section.name] = run_section(section, ctx)
                write(report, args.output)
    finally:
        ctx.sandboxes.close_all()
    report["wall_seconds"] = round(time.perf_counter() - started, 1)
    report["machine"]["load_average_end"] = load_average()
    write(report, args.output)
    failed = [n for n, s in report["sections"].items() if "error" in s]
    print(f"\nbench: {report['wall_seconds']:.0f} s in all; written: {args.output}"
          + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
