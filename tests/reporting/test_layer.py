"""The reporting layer on SQLite, PostgreSQL and SQL Server (Babelfish when
``XERO_SYNC_TEST_MSSQL`` is set) equals the sandbox's Reports API to the cent: both
organisations, 13 month ends, every account line and total, aged reports per contact; again
after the organisations change (a void, a back-dated invoice, a payment in another currency).

Here the sandbox's records are loaded straight through ``transform`` and ``load``, so every
dialect is checked in seconds; tests/e2e/test_all_dags.py does the same through the DAGs
(SQLite). On SQL Server the rows are inserted plainly: the layer is under test, not the upsert.
The T-SQL is kept as golden files and parsed with sqlglot's T-SQL dialect.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlglot
from sqlglot import exp

from tests.reporting import compare
from tests.reporting.conftest import REPORT_SCOPES
from tests.sandbox.conftest import SandboxClient
from tests.warehouse.support import Scratch, postgres_scratch, sqlite_scratch
from xero_sandbox.ledger import add_months, month_end
from xero_sandbox.msdate import from_ms
from xero_sandbox.server import Sandbox
from xero_sync.mapping import MappingError
from xero_sync.transform import transform
from xero_sync.warehouse import reporting
from xero_sync.warehouse.base import RunContext
from xero_sync.warehouse.dbapi import connect, target_from_uri
from xero_sync.warehouse.sqlbase import SqlWarehouse
from xero_sync.warehouse.tables import mapping_tables

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "mssql" / "reporting"
UPDATE = os.environ.get("XERO_SYNC_UPDATE_GOLDEN") == "1"
# Under xdist, each warehouse's layer goes to a worker of its own (tests/conftest.py).
pytestmark = pytest.mark.spread_over("scratch")
MSSQL_URI = os.environ.get("XERO_SYNC_TEST_MSSQL")
ANCHOR_MONTH = date(2026, 6, 1)  # the generated books end in June 2026


def month_ends(today: date) -> list[date]:
    """Twelve consecutive month ends to the books' anchor, and this month's end."""
    ends = [month_end(add_months(ANCHOR_MONTH, -k)) for k in range(11, -1, -1)]
    return [*ends, month_end(today)]


# -- golden T-SQL ----------------------------------------------------------------------------


def test_the_tsql_matches_the_golden_files_and_parses() -> None:
    statements = reporting.tsql_statements("xero")
    if UPDATE:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        for stale in GOLDEN.glob("*.sql"):
            stale.unlink()
        for name, sql in statements.items():
            (GOLDEN / f"{name}.sql").write_text(sql + "\n", encoding="utf-8")
    assert {p.stem for p in GOLDEN.glob("*.sql")} == set(statements), (
        "golden files differ from the statements: run with XERO_SYNC_UPDATE_GOLDEN=1")
    for name, sql in statements.items():
        assert (GOLDEN / f"{name}.sql").read_text(encoding="utf-8") == sql + "\n", name
        bound = re.sub(r"%s", "@p1", sql)
        parsed = [s for s in sqlglot.parse(bound, read="tsql",
                                           error_level=sqlglot.ErrorLevel.RAISE) if s]
        assert parsed and not [c for s in parsed for c in s.find_all(exp.Command)], name


def test_every_dialect_renders_every_report() -> None:
    for dialect in ("mssql", "postgres", "sqlite"):
        from xero_sync.warehouse.dialect import DIALECTS

        render = reporting.Render(DIALECTS[dialect], "xero")
        for report in reporting.REPORTS:
            sql = reporting.report_sql(render, report.name)
            assert "{" not in sql and "}" not in sql, (dialect, report.name)
    with pytest.raises(KeyError, match="trial_balance"):
        reporting.report_sql(reporting.Render(DIALECTS["sqlite"], "xero"), "cash_flow")


# -- loading the sandbox into a warehouse ----------------------------------------------------


def mssql_scratch() -> Iterator[Scratch]:
    if not MSSQL_URI:
        pytest.skip("no SQL Server here: set XERO_SYNC_TEST_MSSQL=mssql://user:pass@host:1433/db "
                    "(Babelfish: /work/shared/babelfish/babelfish-start)")
    target = target_from_uri(MSSQL_URI)
    scratch = Scratch(target, f"xero_rpt_{uuid.uuid4().hex[:10]}")
    yield scratch
    scratch.close_all()
    reporting.drop_layer(scratch.open())
    scratch.close_all()
    connection = connect(target)
    cursor = connection.cursor()
    for kind, catalog in (("VIEW", "sys.views"), ("TABLE", "sys.tables")):
        cursor.execute(f"SELECT t.name FROM {catalog} AS t JOIN sys.schemas AS s "  # noqa: S608
                       "ON s.schema_id = t.schema_id WHERE s.name = %s", (scratch.schema,))
        for (name,) in cursor.fetchall():
            cursor.execute(f"DROP {kind} [{scratch.schema}].[{name}]")
    cursor.execute(f"DROP SCHEMA [{scratch.schema}]")
    connection.commit()
    connection.close()


@pytest.fixture(scope="module", params=["sqlite", "postgres", "mssql"])
def scratch(request: pytest.FixtureRequest,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scratch]:
    if request.param == "sqlite":
        yield from sqlite_scratch(tmp_path_factory.mktemp("reporting"))
    elif request.param == "postgres":
        yield from postgres_scratch()
    else:
        yield from mssql_scratch()


def load_sandbox(sandbox: Sandbox, warehouse: SqlWarehouse) -> None:
    """Every record of the layer's sources, for every organisation, as a sync would store
    them (SQL Server: plain INSERTs into emptied tables)."""
    mappings = reporting.source_mappings()
    warehouse.ensure_tables(mappings)
    reporting.ensure_layer(warehouse)
    when = RunContext(f"load-{uuid.uuid4().hex[:6]}", datetime(2026, 7, 1))
    for tenant in sandbox.state.tenant_names:
        for mapping in mappings:
            records = sandbox.state.truth(tenant, mapping.collection)
            if not records:
                continue
            batch = transform(mapping, tenant, records)
            if warehouse.dialect == "mssql":
                _insert(warehouse, mapping, tenant, batch)
            else:
                warehouse.load(batch, when, None)


def _insert(warehouse: SqlWarehouse, mapping: Any, tenant: str, batch: Any) -> None:
    frames = {mapping.table: batch.parent, **batch.children}
    cursor = warehouse.connection.cursor()
    for spec in mapping_tables(mapping):
        cursor.execute(f"DELETE FROM {warehouse.table(spec.name)} WHERE tenant_id = %s",  # noqa: S608
                       (tenant,))
        frame = frames[spec.name].assign(_loaded_at=datetime(2026, 7, 1), _run_id="load")
        names = [c for c in spec.names if c in frame.columns]
        rows = [tuple(None if _missing(v) else _plain(v) for v in row)
                for row in frame[names].itertuples(index=False, name=None)]
        if rows:
            cursor.executemany(
                f"INSERT INTO {warehouse.table(spec.name)} ({warehouse.sql.columns(names)}) "  # noqa: S608
                f"VALUES ({warehouse.sql.markers(len(names))})", rows)
    warehouse.connection.commit()


def _missing(value: Any) -> bool:
    try:
        return bool(value != value)  # NaN / NaT
    except (TypeError, ValueError):
        return value is None


def _plain(value: Any) -> Any:
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        return value.item()
    return value


@pytest.fixture(scope="module")
def loaded(sandbox: Sandbox, scratch: Scratch) -> Iterator[tuple[Sandbox, SqlWarehouse]]:
    sandbox.state.reset(identity=True, clock=True)
    with sandbox.state.limiter.lifted():  # hundreds of report calls
        warehouse = scratch.open()
        load_sandbox(sandbox, warehouse)
        yield sandbox, warehouse


def fetcher(sandbox: Sandbox, tenant: str) -> compare.Fetch:
    client = SandboxClient(sandbox)
    token = str(client.authorize(REPORT_SCOPES)["access_token"])

    def fetch(name: str, params: dict[str, str]) -> dict[str, Any]:
        reply = client.api(f"/api.xro/2.0/Reports/{name}", token, tenant=tenant, params=params)
        assert reply.status_code == 200, reply.text
        return dict(reply.json())
    return fetch


def runner(warehouse: SqlWarehouse, tenant: str) -> compare.Run:
    def run(name: str, *dates: date) -> list[dict[str, Any]]:
        rows = reporting.run_report(warehouse, name, tenant, *dates)
        warehouse.connection.commit()
        return rows
    return run


def contacts_with_invoices(sandbox: Sandbox, tenant: str) -> list[str]:
    invoices = sandbox.state.truth(tenant, "Invoices")
    return sorted({str(i["Contact"]["ContactID"]) for i in invoices
                   if i["Status"] in ("AUTHORISED", "PAID", "VOIDED")})


def differences(sandbox: Sandbox, warehouse: SqlWarehouse) -> list[str]:
    today = from_ms(sandbox.state.clock.now_ms()).date()
    found = []
    for tenant in sandbox.state.tenant_names:
        found += compare.everything(fetcher(sandbox, tenant), runner(warehouse, tenant),
                                    month_ends(today), contacts_with_invoices(sandbox, tenant))
    return found


def test_the_layer_equals_the_reports_api(loaded: tuple[Sandbox, SqlWarehouse]) -> None:
    sandbox, warehouse = loaded
    assert differences(sandbox, warehouse) == []


def test_it_still_does_after_a_void_a_back_dated_invoice_and_a_foreign_payment(
        loaded: tuple[Sandbox, SqlWarehouse]) -> None:
    sandbox, warehouse = loaded
    reply = requests.post(f"{sandbox.url}/_sandbox/activity", json={"intensity": 10},
                          timeout=60)
    assert reply.status_code == 200
    for tenant, report in reply.json().items():
        statuses = {sandbox.state.organisations[tenant].data["Invoices"][i]["Status"]
                    for i in report["updated"]["Invoices"]}
        assert "VOIDED" in statuses
    load_sandbox(sandbox, warehouse)
    assert differences(sandbox, warehouse) == []


def test_an_organisation_never_synced_has_empty_reports_the_others_a_ledger(
        loaded: tuple[Sandbox, SqlWarehouse]) -> None:
    sandbox, warehouse = loaded
    other = str(uuid.uuid4())
    assert runner(warehouse, other)("trial_balance", date(2026, 6, 30)) == []
    cursor = warehouse.connection.cursor()
    cursor.execute(f"SELECT tenant_id, ledger_status FROM {warehouse.table('reporting_status')}")  # noqa: S608
    statuses = {compare.key(tenant): status for tenant, status in cursor.fetchall()}
    warehouse.connection.commit()
    assert statuses == {tenant: "complete" for tenant in sandbox.state.tenant_names}


def test_dropped_the_layer_is_gone_the_synced_tables_stay_and_it_builds_again_the_same(
        loaded: tuple[Sandbox, SqlWarehouse]) -> None:
    """What a scratch schema's teardown relies on (SQL Server drops no table a view reads)."""
    sandbox, warehouse = loaded
    run = runner(warehouse, next(iter(sandbox.state.tenant_names)))
    before = run("trial_balance", date(2026, 6, 30))
    views = [name for name, _ in reporting.VIEWS]
    reporting.drop_layer(warehouse)
    cursor = warehouse.connection.cursor()
    assert [name for name in views if warehouse._existing_columns(cursor, name)] == []
    assert warehouse._existing_columns(cursor, "journal_lines")
    warehouse.connection.commit()
    reporting.ensure_layer(warehouse)  # the fingerprint was forgotten: built again
    assert run("trial_balance", date(2026, 6, 30)) == before
    assert differences(sandbox, warehouse) == []


def test_a_broken_file_beside_the_sources_does_not_stop_the_layer_nor_a_broken_source_a_sync(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """Every sync task builds the layer: one broken mapping must fail its own DAG only."""
    mappings = tmp_path / "mappings"
    shutil.copytree(reporting.PROJECT_MAPPINGS, mappings)
    (mappings / "cash_journals.yaml").write_text("name: cash_journals\ncolumns: [\n")
    (mappings / "README.txt").write_text("notes")
    monkeypatch.setattr(reporting, "PROJECT_MAPPINGS", mappings)
    assert [m.name for m in reporting.source_mappings()] == sorted(reporting.SOURCE_MAPPINGS)
    built = next(sqlite_scratch(tmp_path)).open()
    reporting.ensure_layer(built)
    assert built._existing_columns(built.connection.cursor(), "general_ledger")

    (mappings / "journals.yaml").write_text("name: journals\n")
    with pytest.raises(MappingError, match=r"journals\.yaml: strategy: found None"):
        reporting.source_mappings()
    left = next(sqlite_scratch(tmp_path)).open()
    reporting.ensure_layer(left)  # no error: the sync that called it goes on
    assert not left._existing_columns(left.connection.cursor(), "general_ledger")
    assert "reporting layer: left as it is until this mapping is fixed" in caplog.text
    (mappings / "journals.yaml").unlink()
    with pytest.raises(MappingError, match="no mapping journals; expected the files the "
                                           "reporting layer reads"):
        reporting.source_mappings()
    built.close()
    left.close()


def test_without_journals_the_layer_says_so(sandbox: Sandbox, tmp_path: Path) -> None:
    scratch = next(sqlite_scratch(tmp_path))
    warehouse = scratch.open()
    mappings = reporting.source_mappings()
    warehouse.ensure_tables(mappings)
    reporting.ensure_layer(warehouse)
    tenant = next(iter(sandbox.state.tenant_names))
    when = RunContext("no-journals", datetime(2026, 7, 1))
    for mapping in mappings:
        if mapping.name != "journals":
            records = sandbox.state.truth(tenant, mapping.collection)
            warehouse.load(transform(mapping, tenant, records), when, None)
    cursor = warehouse.connection.cursor()
    cursor.execute(f"SELECT journals, ledger_status FROM {warehouse.table('reporting_status')}")  # noqa: S608
    assert cursor.fetchall() == [(0, reporting.NO_JOURNALS)]
    run = runner(warehouse, tenant)
    assert run("trial_balance", date(2026, 6, 30)) == []
    assert run("aged_receivables", date(2026, 6, 30))  # built from the documents
    scratch.close_all()
