"""Fault injection (issues 6 and 10): every object of two organisations synced from the sandbox
while 10-20% of the calls fail and the sync process is SIGKILLed at random moments; after
every trial the warehouse must equal the sandbox's truth, with zero rows lost, duplicated,
falsely deleted or stuck in quarantine. Every other trial is one of issue 10's failure
classes (``faults.scenarios``): same-second bursts, late edits at the overlap's edge, hostile
records, malformed answers, a future-dated record, and overlapping runs.

    PYTHONPATH=plugins:tools .venv/bin/python -m faults --trials 100 --seed 1

Trials run in cycles of ``--trials-per-cycle`` on a fresh warehouse each: SQLite, or a
scratch PostgreSQL database at 127.0.0.1:5432 (``--database mixed`` puts
``--postgres-share`` of the cycles there; the database is dropped afterwards), or a scratch
database on the SQL Server of ``XERO_SYNC_TEST_MSSQL`` (``--database mssql``: Babelfish here;
``make faults`` adds such a run when the variable is set). See
``faults.trial`` for what a trial does and ``faults.compare`` for how rows are counted.
Prints a line per trial and a summary; writes the figures to ``--output`` as JSON; exits 1
if any trial lost, duplicated or mis-stored a row, or could not finish.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import LiteralString

from faults.compare import Deployment, Ledger, close_mssql_reader
from faults.plan import DATABASES, KINDS, CampaignConfig, TrialPlan, plan_campaign
from faults.report import TRIAL_HEADER, Report, print_summary, trial_line
from faults.trial import Runner, Scratch, scratch_name
from xero_sandbox.server import Sandbox
from xero_sandbox.state import SandboxConfig
from xero_sync.warehouse.dbapi import WarehouseTarget, target_from_uri
from xero_sync.warehouse.pool import IDLE

ROOT = Path(__file__).resolve().parents[2]
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"


def main(argv: list[str] | None = None) -> int:
    """Run the suite from the command line."""
    config = parse_args(argv)
    print(f"Fault injection: {config.trials} trials, seed {config.seed}, database "
          f"{config.database}, scale {config.scale}, {config.tenants} organisations",
          flush=True)
    print(TRIAL_HEADER, flush=True)
    report = run_campaign(config, lambda line: print(line, flush=True))
    print()
    print_summary(report, sys.stdout)
    output = config.output if config.output.is_absolute() else ROOT / config.output
    report.write(output)
    print(f"figures written to {output}")
    return 0 if report.ok else 1


def parse_args(argv: list[str] | None) -> CampaignConfig:
    """The command line as a campaign configuration."""
    defaults = CampaignConfig()
    parser = argparse.ArgumentParser(prog="python -m faults", description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=defaults.trials)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--database", choices=DATABASES, default=defaults.database)
    parser.add_argument("--postgres-share", type=float, default=defaults.postgres_share,
                        help="share of the cycles on PostgreSQL with --database mixed")
    parser.add_argument("--trials-per-cycle", type=int, default=defaults.trials_per_cycle,
                        help="trials on one warehouse before a fresh one")
    parser.add_argument("--scale", type=int, default=defaults.scale,
                        help="invoices per organisation at the start")
    parser.add_argument("--min-rate", type=float, default=defaults.min_rate)
    parser.add_argument("--max-rate", type=float, default=defaults.max_rate)
    parser.add_argument("--full-refresh-share", type=float, default=defaults.full_refresh_share)
    parser.add_argument("--day-limit-every", type=int, default=defaults.day_limit_every,
                        help="every Nth trial reaches the day limit mid-run (0: never)")
    parser.add_argument("--kinds", type=_names, default=defaults.kinds,
                        help="comma-separated trial kinds after each cycle's first load "
                             f"(default: the mix); any of {', '.join(KINDS)}")
    parser.add_argument("--objects", type=_names, default=defaults.objects,
                        help="comma-separated mapping names to sync (default: every one)")
    parser.add_argument("--output", type=Path, default=defaults.output)
    parser.add_argument("--workdir", type=Path, default=None,
                        help="where warehouses and worker logs go (default: a fresh "
                             "directory under var/faults/work, removed after a clean run)")
    args = parser.parse_args(argv)
    if args.trials < 1 or args.trials_per_cycle < 1:
        parser.error("--trials and --trials-per-cycle must be at least 1")
    if not 0 < args.min_rate <= args.max_rate < 1:
        parser.error("need 0 < --min-rate <= --max-rate < 1")
    unknown = [kind for kind in args.kinds if kind not in KINDS]
    if unknown:
        parser.error(f"unknown kind {unknown[0]!r} in --kinds; use {', '.join(KINDS)}")
    return CampaignConfig(
        trials=args.trials, seed=args.seed, database=args.database,
        postgres_share=args.postgres_share, trials_per_cycle=args.trials_per_cycle,
        scale=args.scale, min_rate=args.min_rate, max_rate=args.max_rate,
        full_refresh_share=args.full_refresh_share, day_limit_every=args.day_limit_every,
        output=args.output, workdir=args.workdir, kinds=args.kinds, objects=args.objects)


def _names(text: str) -> tuple[str, ...]:
    """A comma-separated list."""
    return tuple(name.strip() for name in text.split(",") if name.strip())


def run_campaign(config: CampaignConfig,
                 echo: Callable[[str], None] = lambda _: None) -> Report:
    """Every trial of the configuration; ``echo`` gets a line per finished trial."""
    started = time.monotonic()
    report = Report(config)
    plans = _with_reachable_databases(plan_campaign(config), config, report)
    workdir = _workdir(config)
    sandbox_config = SandboxConfig(seed=config.seed, tenants=config.tenants, scale=config.scale,
                                   auto_consent=True)
    with Sandbox(sandbox_config) as sandbox:
        runner = Runner(sandbox, config, workdir)
        runner.prepare()
        for _, cycle in itertools.groupby(plans, key=lambda p: p.cycle):
            trials = list(cycle)
            with scratch_warehouse(trials[0].database, workdir, trials[0].cycle) as scratch:
                runner.authorize(scratch)
                ledger = Ledger()
                for plan in trials:
                    result = runner.run_trial(plan, scratch, ledger)
                    report.trials.append(result)
                    echo(trial_line(result))
    report.seconds = time.monotonic() - started
    if report.ok and config.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        report.notes.append(f"warehouses and worker logs kept in {workdir}")
    return report


@contextlib.contextmanager
def scratch_warehouse(database: str, workdir: Path, cycle: int) -> Iterator[Scratch]:
    """A fresh warehouse for a cycle: an SQLite file, or a PostgreSQL or SQL Server database
    dropped after."""
    if database == "mssql":
        with mssql_scratch() as scratch:
            yield scratch
        return
    if database == "sqlite":
        path = workdir / f"cycle-{cycle:03d}.db"
        path.unlink(missing_ok=True)
        yield Scratch(WarehouseTarget("sqlite", str(path)), Deployment({}, "sqlite", str(path)))
        return
    name = scratch_name()
    _pg_admin("CREATE DATABASE {}", name)
    try:
        target = WarehouseTarget("postgres", name, PG_HOST, PG_PORT, PG_USER)
        yield Scratch(target, Deployment({}, "postgres", name))
    finally:
        _pg_admin("DROP DATABASE IF EXISTS {} WITH (FORCE)", name)


@contextlib.contextmanager
def mssql_scratch() -> Iterator[Scratch]:
    """A scratch database on the SQL Server of XERO_SYNC_TEST_MSSQL, dropped after."""
    server = mssql_server()
    name = scratch_name()
    _mssql_admin(server, f"CREATE DATABASE [{name}]")
    try:
        target = WarehouseTarget("mssql", name, server.host, server.port, server.user,
                                 server.password)
        yield Scratch(target, Deployment({}, "mssql", name))
    finally:
        IDLE.close_all()  # this process's idle sessions of it (the trials' token stores)
        close_mssql_reader(name)  # and the comparison's
        _mssql_admin(server, f"DROP DATABASE IF EXISTS [{name}]")


def mssql_server() -> WarehouseTarget:
    """The server of XERO_SYNC_TEST_MSSQL; a clear stop without it."""
    uri = os.environ.get("XERO_SYNC_TEST_MSSQL")
    if not uri:
        raise SystemExit("--database mssql needs XERO_SYNC_TEST_MSSQL=mssql://user:pass@host"
                         ":1433/db (Babelfish: ../shared/babelfish/babelfish-start prints it)")
    return target_from_uri(uri)


def _mssql_admin(server: WarehouseTarget, statement: str) -> None:
    """CREATE or DROP DATABASE, on an autocommit connection (not inside a transaction)."""
    import pymssql

    connection = pymssql.connect(server=server.host, port=str(server.port or 1433),
                                 user=server.user, password=server.password,
                                 database=server.database, autocommit=True)
    try:
        connection.cursor().execute(statement)
    finally:
        connection.close()


def postgres_reachable() -> bool:
    """Whether PostgreSQL answers at 127.0.0.1:5432 (trust auth, user postgres)."""
    import psycopg

    try:
        psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres",
                        connect_timeout=3).close()
    except psycopg.Error:
        return False
    return True


def _with_reachable_databases(plans: list[TrialPlan], config: CampaignConfig,
                              report: Report) -> list[TrialPlan]:
    """Mixed runs fall back to SQLite without PostgreSQL (and say so); a PostgreSQL-only run,
    or any run with REQUIRE_POSTGRES=1, refuses to."""
    if not any(p.database == "postgres" for p in plans) or postgres_reachable():
        return plans
    if config.database == "postgres" or os.environ.get("REQUIRE_POSTGRES") == "1":
        raise SystemExit("PostgreSQL at 127.0.0.1:5432 is unreachable")
    report.notes.append("PostgreSQL at 127.0.0.1:5432 is unreachable: every trial ran on SQLite")
    return [TrialPlan(**{**vars(p), "database": "sqlite"}) for p in plans]


def _workdir(config: CampaignConfig) -> Path:
    if config.workdir is not None:
        config.workdir.mkdir(parents=True, exist_ok=True)
        return config.workdir
    base = ROOT / "var" / "faults" / "work"
    base.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"seed{config.seed}-", dir=base))


def _pg_admin(template: LiteralString, database: str) -> None:
    """CREATE or DROP a scratch database (outside a transaction, as PostgreSQL requires)."""
    import psycopg
    from psycopg import sql

    statement = sql.SQL(template).format(sql.Identifier(database))
    with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres",
                         autocommit=True) as connection:
        connection.execute(statement)


if __name__ == "__main__":
    sys.exit(main())
