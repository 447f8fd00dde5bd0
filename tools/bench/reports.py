"""``make bench`` section ``reports``: how long each report of the reporting layer takes for a
large organisation (goal: each under 2 s at 100,000 invoices), on SQLite, PostgreSQL and SQL
Server (when ``XERO_SYNC_TEST_MSSQL`` names one: Babelfish here, so its figures are Babelfish's).

    PYTHONPATH=plugins:tools .venv/bin/python -m bench.reports [--invoices 100000]
        [--engines sqlite,postgres,mssql]

One generated organisation (the sandbox's generator, so its journals, payments and credits
are those a sync would store) is loaded through ``transform`` and ``load`` into a scratch
warehouse; then each report runs for a date inside the books, timed, best of three (the first
run also pays for reading the tables into cache, which a BI tool's second query does not).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
import uuid
from datetime import date, datetime
from typing import Any

from bench.common import drop_schema, postgres_available, postgres_target, table
from bench.load import drop_mssql_schema, mssql_target

HOW_TO_READ = ("seconds to run each report for one organisation of N invoices (best of 3, "
               "after one untimed run); the goal is under 2 s each")
AS_AT = date(2026, 3, 31)
YEAR = (date(2025, 4, 1), date(2026, 3, 31))
RUNS = 3
CALLS: tuple[tuple[str, tuple[date, ...]], ...] = (
    ("trial_balance", (AS_AT,)), ("profit_and_loss", YEAR),
    ("profit_and_loss_by_month", YEAR), ("balance_sheet", (AS_AT,)),
    ("aged_receivables", (AS_AT,)), ("aged_payables", (AS_AT,)), ("aged_summary", (AS_AT,)))


def organisation(invoices: int) -> tuple[str, dict[str, list[dict[str, Any]]]]:
    """A generated organisation of about ``invoices`` invoices."""
    from xero_sandbox.generator import generate_organisation

    tenant = str(uuid.UUID(int=invoices, version=4))
    return tenant, generate_organisation(42, 0, tenant, "Bench Reports Ltd", invoices)


def load(engine: str, where: str, schema: str, tenant: str,
         data: dict[str, list[dict[str, Any]]]) -> Any:
    """A warehouse holding the organisation's sources and the layer; returns it open."""
    from xero_sync.transform import transform
    from xero_sync.warehouse import reporting
    from xero_sync.warehouse.base import RunContext
    from xero_sync.warehouse.dbapi import WarehouseTarget
    from xero_sync.warehouse.factory import warehouse_for

    if engine == "mssql":
        target = mssql_target()
    else:
        target = WarehouseTarget("sqlite", where) if engine == "sqlite" else postgres_target()
    warehouse = warehouse_for(target, schema)
    mappings = reporting.source_mappings()
    warehouse.ensure_tables(mappings)
    reporting.ensure_layer(warehouse)
    run = RunContext("bench-reports", datetime(2026, 7, 1))
    for mapping in mappings:
        records = data.get(mapping.collection) or []
        for start in range(0, len(records), 5_000):
            warehouse.load(transform(mapping, tenant, records[start:start + 5_000]), run, None)
    if engine in ("postgres", "mssql"):  # fresh statistics, as a nightly job keeps them
        cursor = warehouse.connection.cursor()
        cursor.execute("ANALYZE" if engine == "postgres" else "EXEC sp_updatestats")
        warehouse.connection.commit()
    return warehouse


def time_reports(warehouse: Any, tenant: str) -> dict[str, dict[str, float]]:
    """Best-of-three seconds and row count per report."""
    from xero_sync.warehouse.reporting import run_report

    results = {}
    for name, dates in CALLS:
        rows = run_report(warehouse, name, tenant, *dates)
        best = float("inf")
        for _ in range(RUNS):
            started = time.perf_counter()
            run_report(warehouse, name, tenant, *dates)
            best = min(best, time.perf_counter() - started)
        warehouse.connection.commit()
        results[name] = {"seconds": round(best, 3), "rows": len(rows)}
    return results


def run(invoices: int, engines: list[str]) -> dict[str, Any]:
    """The section's report: per engine, the load time and each report's time."""
    from xero_sync.warehouse import reporting

    workdir = tempfile.mkdtemp(prefix="bench_reports_")
    started = time.perf_counter()
    tenant, data = organisation(invoices)
    report: dict[str, Any] = {"invoices": len(data["Invoices"]),
                              "journal_lines": sum(len(j["JournalLines"])
                                                   for j in data["Journals"]),
                              "generated_seconds": round(time.perf_counter() - started, 1),
                              "engines": {}}
    for engine in engines:
        schema = "xero" if engine == "sqlite" else f"bench_rpt_{uuid.uuid4().hex[:8]}"
        where = f"{workdir}/bench_reports_{uuid.uuid4().hex[:8]}.db"
        began = time.perf_counter()
        warehouse = load(engine, where, schema, tenant, data)
        loaded = round(time.perf_counter() - began, 1)
        try:
            report["engines"][engine] = {"load_seconds": loaded,
                                         "reports": time_reports(warehouse, tenant)}
            print(f"  reports {engine}: {json.dumps(report['engines'][engine])}", flush=True)
            if engine == "mssql":  # the layer's views depend on each other: no DROP TABLE first
                reporting.drop_layer(warehouse)
        finally:
            warehouse.close()
            if engine == "postgres":
                drop_schema(schema)
            elif engine == "mssql":
                drop_mssql_schema(schema)
    shutil.rmtree(workdir, ignore_errors=True)
    return report


def render(report: dict[str, Any]) -> str:
    """One row per report, one column per engine."""
    engines = list(report["engines"])
    rows = [[name, *(report["engines"][e]["reports"][name]["seconds"] for e in engines),
             report["engines"][engines[0]]["reports"][name]["rows"] if engines else 0]
            for name, _ in CALLS]
    head = (f"{report['invoices']:,} invoices, {report['journal_lines']:,} journal lines; "
            "load " + ", ".join(f"{e} {report['engines'][e]['load_seconds']} s"
                                for e in engines))
    return head + "\n" + table(["report", *(f"{e} s" for e in engines), "rows"], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--engines", default=None,
                        help="default: sqlite, postgres when it answers, mssql when "
                             "XERO_SYNC_TEST_MSSQL is set")
    args = parser.parse_args()
    engines = (args.engines.split(",") if args.engines else
               ["sqlite", *([] if postgres_available() else ["postgres"]),
                *(["mssql"] if os.environ.get("XERO_SYNC_TEST_MSSQL") else [])])
    print(render(run(args.invoices, engines)))


if __name__ == "__main__":
    main()
