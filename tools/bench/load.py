"""Load throughput and memory of the warehouse loads, beside a naive baseline, same run.

    PYTHONPATH=plugins:tools .venv/bin/python -m bench.load --output bench_load.json

What is measured. Invoices with three line items each (one tracking entry per line, so 7 rows
an invoice) go into SQLite (a file), PostgreSQL (a scratch schema, dropped afterwards) and,
when ``XERO_SYNC_TEST_MSSQL`` names one, SQL Server (a scratch schema there; in this
project's CI that server is Babelfish, a T-SQL engine on PostgreSQL, so its figures are
Babelfish's, not SQL Server's) in
pages of 1,000 invoices, one ``Warehouse.load`` (one transaction) per page. The records come
from one sandbox invoice: a page of 1,000 copies is transformed ONCE, and every page loaded is
that page with fresh GUIDs written into its frames and ``_raw_json``. Only the load calls are
timed (``seconds``); building the next page is not (it is in ``wall_seconds``). One extra
page is loaded first, untimed, by every method: it pays for imports and warm caches.

The naive baseline is what a first attempt often looks like: pandas ``DataFrame.to_sql`` of
each frame into a staging table (indexed on its key), then one ``INSERT … SELECT … ON
CONFLICT DO UPDATE`` statement per row (SQL Server: an UPDATE … FROM the stage, then an
INSERT … SELECT when it touched no row), one commit per page, on one session. It loads the
same pages, and the rows it stored are counted to prove it did the work. ``naive`` writes
and sends the per-row statements through one SQLAlchemy connection, as code holding
``hook.get_sqlalchemy_engine()`` would; ``naive-dbapi`` sends the per-row statements on the
bare driver connection (sqlite3, which to_sql then writes through too; psycopg, which prepares
them on the server after five runs): the strongest row-by-row baseline.

``floor`` (SQLite) is no loader at all: the same rows, converted to what sqlite3 binds before
the clock starts, ``executemany``-inserted into the same (empty) tables, one commit a page. It
reads nothing, classifies nothing, guards nothing, so no load can beat it: ``floor ÷ naive``
is the most any loader could gain over a baseline on this machine. In SQLite, where a
statement is a function call rather than a network round trip, that ceiling is low (two to
four): the baseline's row-by-row half costs little more than writing the rows once.

Each case runs in its own process so that its peak RSS (``VmHWM``) is its own:
``ours`` at --small and --invoices invoices (memory must not grow with the row count), the
baseline at --baseline-invoices. The speed-up compares rows per second at the same size.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TENANT = "0f0e0d0c-0b0a-4908-8706-050403020100"


# -- the pages ---------------------------------------------------------------------------------

def template_invoice() -> dict[str, Any]:
    """A sandbox invoice reshaped to three tracked line items and no payments."""
    from xero_sandbox.generator import generate_organisation

    invoices = generate_organisation(11, 0, TENANT, "Bench Ltd", 40)["Invoices"]
    record = copy.deepcopy(next(r for r in invoices if r.get("LineItems")
                                and r["LineItems"][0].get("Tracking")))
    line = record["LineItems"][0]
    line["Tracking"] = line["Tracking"][:1]
    record["LineItems"] = [copy.deepcopy(line) for _ in range(3)]
    for name in ("Payments", "CreditNotes", "Prepayments", "Overpayments"):
        record[name] = []
    return record


def template_batch(mapping: Any, page: int) -> Any:
    """One transformed page of ``page`` copies of the template, each with its own ids."""
    from xero_sync.transform import transform

    record = template_invoice()
    records = []
    for _ in range(page):
        copied = copy.deepcopy(record)
        copied["InvoiceID"] = str(uuid.uuid4())
        for line in copied["LineItems"]:
            line["LineItemID"] = str(uuid.uuid4())
        records.append(copied)
    return transform(mapping, TENANT, records)


def fresh_page(template: Any) -> Any:
    """The template page with new invoice and line-item GUIDs everywhere they appear."""
    from xero_sync.transform import Batch

    invoices = {old: str(uuid.uuid4()) for old in template.parent["invoice_id"]}
    lines = template.children["invoice_line_items"]
    line_ids = {old: str(uuid.uuid4()) for old in lines["line_item_id"]}
    parent = template.parent.assign(
        invoice_id=[invoices[k] for k in template.parent["invoice_id"]],
        _raw_json=[raw.replace(old, invoices[old], 1) for raw, old in
                   zip(template.parent["_raw_json"], template.parent["invoice_id"], strict=True)])
    children = {}
    for name, frame in template.children.items():
        changes: dict[str, Any] = {"invoice_id": [invoices[k] for k in frame["invoice_id"]]}
        if "line_item_id" in frame.columns:
            changes["line_item_id"] = [line_ids[k] for k in frame["line_item_id"]]
        children[name] = frame.assign(**changes)
    return Batch(template.mapping, TENANT, parent, children)


def rows_of(batch: Any) -> int:
    """Rows a batch writes (parent and children)."""
    return len(batch.parent) + sum(len(frame) for frame in batch.children.values())


# -- ours --------------------------------------------------------------------------------------

def open_ours(engine: str, where: str, schema: str) -> Any:
    """A warehouse of ours, tables created."""
    from xero_sync.warehouse.dbapi import WarehouseTarget
    from xero_sync.warehouse.factory import warehouse_for

    if engine == "mssql":
        return warehouse_for(mssql_target(), schema)
    target = (WarehouseTarget("sqlite", where) if engine == "sqlite" else
              WarehouseTarget("postgres", "postgres", "127.0.0.1", 5432, "postgres"))
    return warehouse_for(target, schema)


def mssql_target() -> Any:
    """The SQL Server of XERO_SYNC_TEST_MSSQL (Babelfish here)."""
    from xero_sync.warehouse.dbapi import target_from_uri

    uri = os.environ.get("XERO_SYNC_TEST_MSSQL")
    if not uri:
        raise SystemExit("the mssql engine needs XERO_SYNC_TEST_MSSQL=mssql://user:pass@host"
                         ":1433/db (Babelfish: ../shared/babelfish/babelfish-start prints it)")
    return target_from_uri(uri)


def run_ours(engine: str, where: str, schema: str, mapping: Any,
             pages: Iterator[Any]) -> tuple[float, int]:
    """Load every page; seconds spent in ``load`` and rows written."""
    from xero_sync.warehouse.base import RunContext, SyncState

    warehouse = open_ours(engine, where, schema)
    warehouse.ensure_tables([mapping])
    context = RunContext("bench", datetime(2026, 1, 1))
    spent, rows = 0.0, 0
    try:
        for index, batch in enumerate(pages):
            state = SyncState(mapping.name, TENANT, max(batch.parent["updated_date_utc"]))
            started = time.perf_counter()
            counts = warehouse.load(batch, context, state)
            if index:  # the first page warms up imports and caches: loaded, not timed
                spent += time.perf_counter() - started
                rows += counts.inserted + counts.updated + counts.child_rows
    finally:
        warehouse.close()
    return spent, rows


# -- the naive baseline ------------------------------------------------------------------------

def naive_statement(warehouse: Any, spec: Any, stage: str) -> str:
    """One row of the stage into the table: ``INSERT … SELECT … WHERE key = … ON CONFLICT``."""
    if warehouse.dialect == "mssql":
        return naive_tsql(warehouse, spec, stage)
    sql, mark = warehouse.sql, warehouse.sql.marker
    data = spec.data_columns
    casts = ", ".join(f"CAST(s.{sql.quote(n)} AS {sql.sql_type(spec.column(n))})"
                      if warehouse.dialect == "postgres" else f"s.{sql.quote(n)}" for n in data)
    where = " AND ".join(f"s.{sql.quote(n)} = {mark}" for n in spec.key if n != "tenant_id")
    updates = ", ".join(f"{sql.quote(n)} = excluded.{sql.quote(n)}" for n in data
                        if n not in spec.key) or f"{sql.quote(spec.key[0])} = excluded."\
                                                  f"{sql.quote(spec.key[0])}"
    return (f"INSERT INTO {warehouse.table(spec.name)} ({sql.columns(spec.names)}) "  # noqa: S608 - identifiers only
            f"SELECT {casts}, {mark}, {mark} FROM {sql.quote(stage)} AS s WHERE {where} "
            f"ON CONFLICT ({sql.columns(list(spec.key))}) DO UPDATE SET {updates}")


def naive_tsql(warehouse: Any, spec: Any, stage: str) -> str:
    """SQL Server's per-row upsert, as a hand-written one goes without MERGE (which Babelfish
    rejects): UPDATE the row from the stage; INSERT it when no row was there. Parameters as
    the others': loaded_at, run_id, then the key."""
    sql = warehouse.sql
    q = sql.quote
    keys = [n for n in spec.key if n != "tenant_id"]
    cast = {n: f"CAST(s.{q(n)} AS {sql.sql_type(spec.column(n))})" for n in spec.data_columns}
    declared = ", ".join(f"@k{i} NVARCHAR(400) = %s" for i in range(len(keys)))
    where = " AND ".join(f"s.{q(n)} = @k{i}" for i, n in enumerate(keys))
    joined = " AND ".join(f"t.{q(n)} = {cast[n]}" for n in spec.key)
    sets = ", ".join(f"{q(n)} = {cast[n]}" for n in spec.data_columns if n not in spec.key)
    sets = ", ".join(part for part in (sets, "[_loaded_at] = @loaded_at, [_run_id] = @run_id")
                     if part)
    stage_table = warehouse.table(stage)
    return (f"DECLARE @loaded_at DATETIME2(3) = %s, @run_id NVARCHAR(250) = %s, {declared};\n"  # noqa: S608 - identifiers only
            f"UPDATE t SET {sets} FROM {warehouse.table(spec.name)} AS t "
            f"JOIN {stage_table} AS s ON {joined} WHERE {where};\n"
            f"IF @@ROWCOUNT = 0 INSERT INTO {warehouse.table(spec.name)} "
            f"({sql.columns(spec.names)}) SELECT {', '.join(cast.values())}, @loaded_at, "
            f"@run_id FROM {stage_table} AS s WHERE {where}")


def naive_page(session: Any, warehouse: Any, batch: Any, when: str) -> int:
    """``to_sql`` each frame into a stage, then one upsert per row; one commit."""
    from xero_sync.warehouse.tables import mapping_tables

    frames = {batch.mapping.table: batch.parent, **batch.children}
    rows = 0
    for spec in mapping_tables(batch.mapping):
        frame = frames[spec.name]
        if frame.empty:
            continue
        stage = f"stage_{spec.name}"
        keys = [n for n in spec.key if n != "tenant_id"]
        if warehouse.dialect == "mssql":
            # Dropped first, not if_exists="replace": SQLAlchemy's DROP reflects foreign keys
            # from INFORMATION_SCHEMA.REFERENTIAL_CONSTRAINTS, which Babelfish lacks. Keys as
            # NVARCHAR(100): to_sql's VARCHAR(max) cannot be indexed on SQL Server.
            from sqlalchemy.types import NVARCHAR

            where = warehouse.table(stage)
            session.execute(f"DROP TABLE IF EXISTS {where}", ())
            frame.to_sql(stage, session.pandas, schema=warehouse.schema, if_exists="append",
                         index=False, dtype={n: NVARCHAR(100) for n in keys})
        else:
            frame.to_sql(stage, session.pandas, if_exists="replace", index=False)
            where = warehouse.sql.quote(stage)
        session.execute(f"CREATE INDEX {warehouse.sql.quote(stage + '_key')} ON "
                        f"{where} ({warehouse.sql.columns(keys)})", ())
        statement = naive_statement(warehouse, spec, stage)
        for key in frame[keys].itertuples(index=False, name=None):
            session.execute(statement, (when, "bench", *key))
            rows += 1
    session.commit()
    return rows


class NaiveSession:
    """One database session for the baseline: what ``to_sql`` writes through, and how the
    per-row statements are sent (``dbapi``: a driver cursor; ``sqlalchemy``: the SQLAlchemy
    connection to_sql used, as code holding ``hook.get_sqlalchemy_engine()`` would)."""

    def __init__(self, engine: str, where: str, schema: str, driver: str) -> None:
        self.handle: Any = None
        self.pandas: Any
        self.run: Any
        self.commit: Any
        if engine == "sqlite":
            import sqlite3

            sqlite3.register_adapter(Decimal, str)  # sqlite3 cannot bind Decimal otherwise
        if engine == "sqlite" and driver == "dbapi":
            # Default isolation: DML opens a transaction that the page's commit ends.
            self.pandas = sqlite3.connect(where)
            cursor = self.pandas.cursor()
            self.run = cursor.execute
            self.commit = self.pandas.commit
            return
        from sqlalchemy import create_engine

        if engine == "mssql":  # what MsSqlHook.get_sqlalchemy_engine() builds: pymssql
            from sqlalchemy.engine import URL

            server = mssql_target()
            self.handle = create_engine(URL.create(
                "mssql+pymssql", username=server.user, password=server.password,
                host=server.host, port=server.port, database=server.database))
            # SQLAlchemy's pymssql dialect finds the version in "Microsoft … - 16.0…" of
            # @@VERSION; Babelfish's reads "Babelfish for PostgreSQL … - 12.0.2000.8".
            setattr(self.handle.dialect, "_get_server_version_info",  # noqa: B010
                    product_version)
            # pymssql's rollback() raises on Babelfish's wording of error 3903 (no open
            # transaction): roll back as MssqlWarehouse does.
            setattr(self.handle.dialect, "do_rollback", rollback_if_open)  # noqa: B010
        else:
            self.handle = (create_engine(f"sqlite:///{where}") if engine == "sqlite" else
                           create_engine(PG_URL,
                                         connect_args={"options": f"-csearch_path={schema}"}))
        self.pandas = self.handle.connect()
        self.commit = self.pandas.commit
        self.run = self.pandas.exec_driver_sql
        if driver == "dbapi":
            # Statements and COMMIT straight on the driver's connection: SQLAlchemy does
            # not see them, so committing through it could be a no-op.
            driver_connection = self.pandas.connection.driver_connection
            self.run = driver_connection.cursor().execute
            self.commit = driver_connection.commit

    def execute(self, sql: str, params: tuple[Any, ...]) -> None:
        """One statement."""
        self.run(sql, params)

    def close(self) -> None:
        """Close the session."""
        self.pandas.close()
        if self.handle is not None:
            self.handle.dispose()


def product_version(connection: Any) -> tuple[int, ...]:
    """SERVERPROPERTY('ProductVersion') as a tuple: SQL Server and Babelfish both answer it."""
    text = connection.exec_driver_sql(
        "SELECT CAST(SERVERPROPERTY('ProductVersion') AS VARCHAR(40))").scalar()
    return tuple(int(part) for part in str(text).split("."))


def rollback_if_open(dbapi_connection: Any) -> None:
    """``IF @@TRANCOUNT > 0 ROLLBACK``, then BEGIN TRAN as pymssql keeps one open."""
    from xero_sync.warehouse.mssql import ROLLBACK

    cursor = dbapi_connection.cursor()
    cursor.execute(ROLLBACK)
    cursor.close()


def run_naive(engine: str, where: str, schema: str, mapping: Any, pages: Iterator[Any],
              driver: str = "sqlalchemy") -> tuple[float, int]:
    """The baseline on the same pages; seconds and rows (checked against the table)."""
    warehouse = open_ours(engine, where, schema)
    warehouse.ensure_tables([mapping])
    session = NaiveSession(engine, where, schema, driver)
    spent, rows, loaded = 0.0, 0, 0
    try:
        for index, batch in enumerate(pages):
            started = time.perf_counter()
            written = naive_page(session, warehouse, batch, "2026-01-01 00:00:00.000")
            loaded += rows_of(batch)
            if index:  # as for ours: the first page is loaded, not timed
                spent += time.perf_counter() - started
                rows += written
        stored = count_rows(warehouse, mapping)
        if stored != loaded:
            raise SystemExit(f"the baseline stored {stored} rows of {loaded}: not comparable")
    finally:
        session.close()
        warehouse.close()
    return spent, rows


def count_rows(warehouse: Any, mapping: Any) -> int:
    """Rows in a mapping's tables."""
    from xero_sync.warehouse.tables import mapping_tables

    cursor = warehouse.connection.cursor()
    total = 0
    for spec in mapping_tables(mapping):
        cursor.execute(f"SELECT COUNT(*) FROM {warehouse.table(spec.name)}")  # noqa: S608 - identifiers only
        total += int(cursor.fetchone()[0])
    warehouse.connection.commit()
    return total


# -- the floor (SQLite) ------------------------------------------------------------------------

def run_floor(where: str, schema: str, mapping: Any, pages: Iterator[Any]) -> tuple[float, int]:
    """Insert each page's rows, converted beforehand (untimed), into the same tables, one
    transaction a page: the time SQLite itself needs to store them."""
    from xero_sync.warehouse.staging import stage

    warehouse = open_ours("sqlite", where, schema)
    warehouse.ensure_tables([mapping])  # its transaction sets the session up as for ours
    connection = warehouse.connection
    extra = ("2026-01-01 00:00:00.000", "bench")
    spent, rows = 0.0, 0
    try:
        for index, batch in enumerate(pages):
            staged = stage(batch)
            tables = [(warehouse.insert_sql(frame.spec),
                       [(*row, *extra) for row in frame.rows(warehouse.converters(frame.spec))])
                      for frame in (staged.parent, *staged.children)]
            started = time.perf_counter()
            connection.execute("BEGIN IMMEDIATE")
            for sql, values in tables:
                connection.executemany(sql, values)
            connection.execute("COMMIT")
            if index:  # as for ours: the first page is loaded, not timed
                spent += time.perf_counter() - started
                rows += sum(len(values) for _, values in tables)
    finally:
        warehouse.close()
    return spent, rows


# -- one case, in its own process --------------------------------------------------------------

def run_case(case: dict[str, Any]) -> dict[str, Any]:
    """Load ``case['invoices']`` with ``case['method']`` into ``case['engine']``."""
    from xero_sync.mapping import load_mapping

    mapping = load_mapping(ROOT / "include" / "mappings" / "invoices.yaml")
    template = template_batch(mapping, case["page"])
    count = case["invoices"] // case["page"]
    rss_before = peak_rss_mb()
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as directory:
        where = str(Path(directory) / "bench.db")
        pages = (fresh_page(template) for _ in range(count + 1))
        started = time.perf_counter()
        try:
            seconds, rows = run_method(case, where, schema, mapping, pages)
        finally:
            if case["engine"] == "postgres":
                drop_schema(schema)
            if case["engine"] == "mssql":
                drop_mssql_schema(schema)
        wall = time.perf_counter() - started
    return {**case, "rows": rows, "rows_per_invoice": rows_of(template) / case["page"],
            "seconds": round(seconds, 3), "wall_seconds": round(wall, 3),
            "rows_per_second": round(rows / seconds), "invoices_per_second":
            round(case["invoices"] / seconds), "rss_before_mb": rss_before,
            "peak_rss_mb": peak_rss_mb()}


def run_method(case: dict[str, Any], where: str, schema: str, mapping: Any,
               pages: Iterator[Any]) -> tuple[float, int]:
    """Dispatch: ours, naive (through SQLAlchemy), naive-dbapi (the bare driver), floor."""
    if case["method"] == "ours":
        return run_ours(case["engine"], where, schema, mapping, pages)
    if case["method"] == "floor":
        return run_floor(where, schema, mapping, pages)
    driver = "dbapi" if case["method"] == "naive-dbapi" else "sqlalchemy"
    return run_naive(case["engine"], where, schema, mapping, pages, driver)


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (see common.peak_rss_mb: not
    ``getrusage``, which a child inherits from a large parent)."""
    from bench.common import peak_rss_mb as own_peak

    return own_peak()


def drop_schema(schema: str) -> None:
    """Remove the scratch schema."""
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres",
                         autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def drop_mssql_schema(schema: str) -> None:
    """Remove the scratch schema on SQL Server: views, then tables, then the schema (no
    CASCADE there). STRING_AGG, not ``SELECT @s += …``, which Babelfish keeps one row of."""
    from xero_sync.warehouse.dbapi import connect

    drop = ("DECLARE @sql NVARCHAR(MAX); SELECT @sql = STRING_AGG(CAST(N'DROP {kind} ' "
            "+ QUOTENAME(s.name) + N'.' + QUOTENAME(o.name) AS NVARCHAR(MAX)), N'; ') "
            "FROM sys.{catalog} AS o JOIN sys.schemas AS s ON s.schema_id = o.schema_id "
            "WHERE s.name = %s; IF @sql IS NOT NULL EXEC sp_executesql @sql")
    connection = connect(mssql_target())
    try:
        cursor = connection.cursor()
        cursor.execute(drop.format(kind="VIEW", catalog="views"), (schema,))
        cursor.execute(drop.format(kind="TABLE", catalog="tables"), (schema,))
        cursor.execute(f"IF SCHEMA_ID(N'{schema}') IS NOT NULL DROP SCHEMA [{schema}]")
        connection.commit()
    finally:
        connection.close()


# -- the report --------------------------------------------------------------------------------

def in_subprocess(case: dict[str, Any]) -> dict[str, Any]:
    """Run one case in a fresh interpreter (its own peak RSS)."""
    command = [sys.executable, "-m", "bench.load", "--case", json.dumps(case)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - this script
    if done.returncode != 0:
        raise SystemExit(f"case {case} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def table(results: list[dict[str, Any]]) -> str:
    """The results as a readable table."""
    header = (f"{'engine':<9}{'method':<12}{'invoices':>9}{'rows':>10}{'load s':>8}"
              f"{'rows/s':>9}{'invoices/s':>11}{'RSS start MB':>13}{'peak RSS MB':>12}")
    lines = [header, "-" * len(header)]
    for r in results:
        lines.append(f"{r['engine']:<9}{r['method']:<12}{r['invoices']:>9,}{r['rows']:>10,}"
                     f"{r['seconds']:>8.2f}{r['rows_per_second']:>9,}"
                     f"{r['invoices_per_second']:>11,}{r['rss_before_mb']:>13.1f}"
                     f"{r['peak_rss_mb']:>12.1f}")
    return "\n".join(lines)


def speedups(results: list[dict[str, Any]], size: int) -> dict[str, float]:
    """Ours ÷ each baseline in rows per second, per engine, at the baseline's size."""
    found = {}
    for r in results:
        if r["method"] in ("ours", "floor") or r["invoices"] != size:
            continue
        ours = next(o for o in results if o["engine"] == r["engine"] and o["method"] == "ours"
                    and o["invoices"] == size)
        found[f"{r['engine']} vs {r['method']}"] = round(
            ours["rows_per_second"] / r["rows_per_second"], 1)
    return found


def ceilings(results: list[dict[str, Any]], size: int) -> dict[str, dict[str, float]]:
    """Per engine with a floor: floor ÷ each baseline (the most any loader could gain over
    it) and ours ÷ floor (how close ours comes), rows per second at ``size``."""
    found = {}
    for floor in results:
        if floor["method"] != "floor" or floor["invoices"] != size:
            continue
        same = [r for r in results if r["engine"] == floor["engine"] and r["invoices"] == size]
        ours = next(r for r in same if r["method"] == "ours")
        found[floor["engine"]] = {
            f"floor_vs_{r['method']}": round(floor["rows_per_second"] / r["rows_per_second"], 1)
            for r in same if r["method"].startswith("naive")}
        found[floor["engine"]]["ours_vs_floor"] = round(
            ours["rows_per_second"] / floor["rows_per_second"], 2)
    return found


def cases(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Every case to run, in order."""
    found = []
    for engine in args.engines.split(","):
        methods = [("ours", args.small), ("ours", args.invoices),
                   ("naive", args.baseline_invoices)]
        if engine != "mssql":  # pymssql has no server-side prepare: the same as naive there
            methods.append(("naive-dbapi", args.baseline_invoices))
        if engine == "sqlite":
            methods.append(("floor", args.baseline_invoices))
        found += [{"engine": engine, "method": method, "invoices": size, "page": args.page}
                  for method, size in methods]
    return found


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line (tools/bench/run.py passes its own sizes through here)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--baseline-invoices", type=int, default=10_000)
    parser.add_argument("--page", type=int, default=1_000)
    parser.add_argument("--engines", default="sqlite,postgres",
                        help="sqlite, postgres, mssql (XERO_SYNC_TEST_MSSQL's server)")
    parser.add_argument("--output", default="bench_load.json")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def run(args: argparse.Namespace, echo: Any = print) -> dict[str, Any]:
    """Every case, each in its own process; the report (results, speed-ups, what is timed)."""
    results = []
    for case in cases(args):
        results.append(in_subprocess(case))
        echo(table(results[-1:]).splitlines()[-1], flush=True)
    return {"results": results,
            "speedup_rows_per_second": speedups(results, args.baseline_invoices),
            "ceiling_rows_per_second": ceilings(results, args.baseline_invoices),
            "timed": "Warehouse.load calls only (the baseline: its to_sql and statements); "
                     "pages are transformed once and cloned with fresh GUIDs untimed; one "
                     "warm-up page per case is loaded untimed"}


def summary(report: dict[str, Any], baseline_invoices: int) -> str:
    """The speed-up line under the table, and the ceiling where a floor was measured."""
    lines = [f"speed-up, ours / baseline (rows per second at {baseline_invoices:,} invoices): "
             + ", ".join(f"{name} {x}x" for name, x in report["speedup_rows_per_second"].items())]
    for engine, found in report.get("ceiling_rows_per_second", {}).items():
        most = ", ".join(f"{x}x over {name.removeprefix('floor_vs_')}"
                         for name, x in found.items() if name.startswith("floor_vs_"))
        lines.append(f"{engine} ceiling: the floor (the rows inserted, nothing else) is the most "
                     f"any loader could gain: {most}; ours runs at "
                     f"{found['ours_vs_floor']:.0%} of the floor's speed")
    return "\n".join(lines)


def main() -> None:
    """Run every case and print the table; write the JSON."""
    args = parse_args()
    if args.case:
        print(json.dumps(run_case(json.loads(args.case))))
        return
    report = run(args)
    Path(args.output).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print()
    print(table(report["results"]))
    print("\n" + summary(report, args.baseline_invoices))
    print(f"written: {args.output}")


if __name__ == "__main__":
    main()
