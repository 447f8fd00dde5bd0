"""SQL Server without a server: golden T-SQL, sqlglot parsing, and a recorded load.

No SQL Server runs here, so the T-SQL is covered three ways (the live suite,
``test_mssql_live.py``, runs the real thing when ``XERO_SYNC_TEST_MSSQL`` is set):

* Golden files: every statement generated for every mapping in ``include/mappings`` (and the
  control statements) is compared with ``tests/golden/mssql/<mapping>_<statement>.sql``. After
  an intended change, rewrite them and review the diff::

      XERO_SYNC_UPDATE_GOLDEN=1 .venv/bin/pytest tests/warehouse/test_tsql.py

* Parsing: every generated statement, with its ``%s`` placeholders as variables, must parse with
  ``sqlglot.parse(sql, read="tsql")`` into real statements (no unparsed ``Command``).
* A recorded load: ``MssqlWarehouse`` runs against a fake pymssql connection that records what
  it is sent; each statement is rendered exactly as pymssql would send it (its own
  ``substitute_params``) and parsed again, so hostile values are proven to stay inside literals.
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pymssql
import pytest
import sqlglot
from pymssql import _mssql
from sqlglot import exp

from tests.warehouse.conftest import ROOT, TENANT
from tests.warehouse.support import run, state_after
from tests.warehouse.test_load import with_items
from tests.warehouse.test_tables import invoices_document
from tests.warehouse.test_values import EMOJI, LONG
from xero_sync.mapping import ObjectMapping, load_mappings, parse_mapping
from xero_sync.transform import transform
from xero_sync.warehouse.base import SyncRun, SyncState, WarehouseError
from xero_sync.warehouse.ddl import DIFFERS, SAME, WIDEN, add_column, fit, widen_column
from xero_sync.warehouse.dialect import MSSQL
from xero_sync.warehouse.factory import warehouse_for
from xero_sync.warehouse.mssql import ROLLBACK, MssqlWarehouse, catalog_type
from xero_sync.warehouse.tables import CONTROL_TABLES, ColumnSpec, child_table, mapping_tables
from xero_sync.warehouse.tsql import control_statements, mapping_statements

GOLDEN = ROOT / "tests" / "golden" / "mssql"
UPDATE = os.environ.get("XERO_SYNC_UPDATE_GOLDEN") == "1"
MAPPINGS = load_mappings(ROOT / "include" / "mappings")
Record = dict[str, Any]


def golden_files(prefix: str) -> dict[str, str]:
    """The golden files of one mapping (or of the control statements, ``_control``)."""
    if prefix == "_control":
        statements = control_statements("xero")
    else:
        statements = mapping_statements("xero", next(m for m in MAPPINGS if m.name == prefix))
    return {f"{prefix}_{name}.sql": sql + "\n" for name, sql in statements.items()}


def generated() -> dict[str, str]:
    """Every golden file's name and content."""
    files: dict[str, str] = {}
    for prefix in ["_control", *(m.name for m in MAPPINGS)]:
        files.update(golden_files(prefix))
    return files


def parse_tsql(sql: str) -> list[exp.Expression]:
    """Parse as T-SQL with the placeholders as variables; no statement left unparsed."""
    counter = iter(range(1, 1000))
    bound = re.sub(r"%s", lambda _: f"@p{next(counter)}", sql)
    parsed = [s for s in sqlglot.parse(bound, read="tsql", error_level=sqlglot.ErrorLevel.RAISE)
              if s is not None]
    assert parsed, sql
    for statement in parsed:
        assert not list(statement.find_all(exp.Command)), f"unparsed T-SQL in: {sql}"
    return parsed


# -- golden files ------------------------------------------------------------------------------

@pytest.mark.parametrize("prefix", ["_control", *(m.name for m in MAPPINGS)])
def test_generated_tsql_matches_the_golden_files(prefix: str) -> None:
    files = golden_files(prefix)
    if UPDATE:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        for name, sql in files.items():
            (GOLDEN / name).write_text(sql, encoding="utf-8")
    for name, sql in files.items():
        path = GOLDEN / name
        assert path.exists(), f"{path} is missing: run with XERO_SYNC_UPDATE_GOLDEN=1"
        assert path.read_text(encoding="utf-8") == sql, (
            f"{path} differs from the generated T-SQL; if the change is intended, rewrite the "
            "golden files with XERO_SYNC_UPDATE_GOLDEN=1 and review the diff")


def test_no_stale_golden_files() -> None:
    stale = sorted({p.name for p in GOLDEN.glob("*.sql")} - set(generated()))
    if UPDATE:
        for name in stale:
            (GOLDEN / name).unlink()
        return
    assert not stale, f"golden files no statement generates: {stale}"


# -- parsing -----------------------------------------------------------------------------------

def test_every_generated_statement_parses_as_tsql() -> None:
    statements = [*control_statements("xero").values()]
    for mapping in MAPPINGS:
        statements += mapping_statements("xero", mapping).values()
        statements += [add_column(MSSQL, "xero", spec.name, column)
                       for spec in mapping_tables(mapping) for column in spec.columns]
        statements += [widen_column(MSSQL, "xero", spec.name, column)
                       for spec in mapping_tables(mapping) for column in spec.columns
                       if column.type == "string"]
    for sql in statements:
        parse_tsql(sql)
    assert len(statements) > 500


def test_the_upsert_is_separate_statements_guarded_under_locks(
        invoices_mapping: ObjectMapping) -> None:
    statements = parse_tsql(mapping_statements("xero", invoices_mapping)["upsert"])[1:]
    assert [type(s) for s in statements] == [exp.Insert, exp.Insert, exp.Update, exp.Insert]
    decide_update, decide_insert, update, insert = (s.sql("tsql") for s in statements)
    assert "INTO #applied" in decide_update and "INTO #applied" in decide_insert
    assert "WITH (UPDLOCK, HOLDLOCK)" in decide_update
    assert "NOT EXISTS" in decide_insert and "WITH (UPDLOCK, HOLDLOCK)" in decide_insert
    assert "s.[updated_date_utc] >= t.[updated_date_utc]" in decide_update
    assert "EXCEPT" in decide_update and "COLLATE Latin1_General_100_BIN2" in decide_update
    assert "JOIN #applied" in update and "N'UPDATE'" in update
    assert "JOIN #applied" in insert and "N'INSERT'" in insert
    assert "OUTPUT" not in " ".join([update, insert])  # Babelfish: no OUTPUT deleted.* on UPDATE


def test_no_statement_is_a_merge() -> None:
    for sql in generated().values():
        assert not any(isinstance(s, exp.Merge) for s in parse_tsql(sql)), sql
        assert not re.search(r"\bMERGE\b", sql, re.IGNORECASE), sql


# -- a recorded load ---------------------------------------------------------------------------

class RecordingCursor:
    """Records each statement, as written and as pymssql would send it; answers from
    ``respond``."""

    def __init__(self, connection: RecordingConnection) -> None:
        self.connection = connection
        self.rows: list[tuple[Any, ...]] = []
        self.rowcount = -1

    def execute(self, sql: str, params: Any = None) -> None:
        params = () if params is None else tuple(params)
        assert sql.count("%s") == len(params), sql
        sent = _mssql.substitute_params(sql, params) if params else sql.encode()
        self.connection.log.append((sql, params, sent.decode("utf-8")))
        self.rows, self.rowcount = self.connection.respond(sql, params)

    def executemany(self, sql: str, rows: list[Any]) -> None:
        raise AssertionError("pymssql's executemany is a round trip per row: not for loads")

    def fetchone(self) -> tuple[Any, ...] | None:
        return self.rows[0] if self.rows else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        return list(self.rows)

    def close(self) -> None:
        """Nothing to release."""


class RecordingConnection:
    """A pymssql stand-in: every key staged is reported inserted by the upsert."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.log: list[tuple[str, tuple[Any, ...], str]] = []
        self.events: list[str] = []
        self.fail_on = fail_on
        self.staged: list[Record] = []

    def cursor(self) -> RecordingCursor:
        return RecordingCursor(self)

    def commit(self) -> None:
        self.events.append("COMMIT")

    def rollback(self) -> None:
        self.events.append("ROLLBACK")

    def close(self) -> None:
        self.events.append("CLOSE")

    def respond(self, sql: str, params: tuple[Any, ...]) -> tuple[list[tuple[Any, ...]], int]:
        if sql == ROLLBACK:  # MssqlWarehouse rolls back with its own statement
            self.events.append("ROLLBACK")
            return [], -1
        self.events.append(sql.split()[0])
        if self.fail_on and self.fail_on in sql:
            raise pymssql.OperationalError("20003, b'Adaptive Server connection timed out'")
        if "sp_getapplock" in sql:
            return [(0,)], -1
        if "SCHEMA_ID" in sql:
            return [(None,)], -1
        if "INTO #stage" in sql:
            self.staged = json.loads(params[0])
        if "FROM #applied" in sql:
            return [("INSERT", row["invoice_id"], row["is_deleted"], None)
                    for row in self.staged], len(self.staged)
        return [], 2


def test_a_load_sends_only_generated_tsql_with_values_in_literals(
        invoices_mapping: ObjectMapping, invoices: list[Record]) -> None:
    connection = RecordingConnection()
    warehouse = MssqlWarehouse(connection, "xero", description="mssql:recorded")
    record = with_items(invoices)
    record["Reference"] = "'; DROP TABLE [xero].[invoices]; --"
    record["Contact"] = {**record["Contact"], "Name": EMOJI}
    record["LineItems"][0]["Description"] = LONG
    records = [record, *[r for r in invoices if r["InvoiceID"] != record["InvoiceID"]][:4]]
    bad = {**invoices[-1], "Total": "NaN'); DROP TABLE x; --"}

    warehouse.ensure_tables([invoices_mapping])
    counts = warehouse.load(transform(invoices_mapping, TENANT, [*records, bad]), run(),
                            state_after(invoices_mapping, TENANT, records))
    warehouse.mark_missing_deleted(invoices_mapping, TENANT, run(snapshot=True), None)
    warehouse.read_state(invoices_mapping, TENANT)
    warehouse.record_run(SyncRun("run-1", "invoices", TENANT, run().loaded_at,
                                 run().loaded_at, "success", 1, 1, counts))

    assert (counts.inserted, counts.quarantined) == (5, 1)
    allowed = {*control_statements("xero").values(),
               *mapping_statements("xero", invoices_mapping).values()}
    assert {sql for sql, _, _ in connection.log} <= allowed
    for sql, _, sent in connection.log:
        template, rendered = parse_tsql(sql), parse_tsql(sent)
        assert [type(s) for s in rendered] == [type(s) for s in template], sent[:200]
        drops = [d.sql("tsql") for s in rendered for d in s.find_all(exp.Drop)]
        assert all("#" in drop for drop in drops), drops
    assert connection.events.count("COMMIT") == 5  # ensure, load, mark, read, record
    assert "ROLLBACK" not in connection.events


# What INFORMATION_SCHEMA.COLUMNS holds (name, type, character length, numeric precision and
# scale, datetime precision) for each type.
_CATALOG = {"guid": ("uniqueidentifier", None, None, None, None),
            "integer": ("int", None, 10, 0, None), "bigint": ("bigint", None, 19, 0, None),
            "money": ("decimal", None, 19, 4, None), "quantity": ("decimal", None, 19, 4, None),
            "rate": ("decimal", None, 28, 10, None), "boolean": ("bit", None, None, None, None),
            "date": ("date", None, None, None, 0), "timestamp": ("datetime2", None, None, None, 3),
            "json": ("nvarchar", -1, None, None, None)}


def catalog_row(column: ColumnSpec) -> tuple[Any, ...]:
    """The row SQL Server's catalog has for a column our DDL created."""
    if column.type == "string":
        return (column.name, "nvarchar", -1 if column.length is None else column.length,
                None, None, None)
    return (column.name, *_CATALOG[column.type])


def test_sql_server_catalog_types_read_as_our_ddl_spells_them() -> None:
    for mapping in MAPPINGS:
        for spec in [*CONTROL_TABLES, *mapping_tables(mapping)]:
            for column in spec.columns:
                stored = catalog_type(*catalog_row(column)[1:])
                assert fit(MSSQL, stored, column) == SAME, (spec.name, column, stored)
    text = ColumnSpec("reference", "string", 50)
    assert fit(MSSQL, catalog_type("nvarchar", 40, None, None, None), text) == WIDEN
    assert fit(MSSQL, catalog_type("nvarchar", -1, None, None, None), text) == SAME
    assert fit(MSSQL, catalog_type("nvarchar", 100, None, None, None), text) == SAME
    assert fit(MSSQL, catalog_type("decimal", None, 19, 4, None),
               ColumnSpec("total", "integer")) == DIFFERS
    assert fit(MSSQL, catalog_type("decimal", None, 18, 2, None),
               ColumnSpec("total", "money")) == DIFFERS


def test_longer_text_is_widened_with_generated_tsql(invoices_mapping: ObjectMapping) -> None:
    document = invoices_document()
    next(c for c in document["columns"] if c["source"] == "Reference").update(length=20)
    connection = WidenedConnection(parse_mapping(document, "invoices.yaml", "invoices"), [])

    MssqlWarehouse(connection, "xero", description="mssql:recorded").ensure_tables(
        [invoices_mapping])

    widen = [sql for sql, _, _ in connection.log if "ALTER COLUMN" in sql]
    assert widen == ["SET ANSI_NULL_DFLT_ON ON; "
                     "ALTER TABLE [xero].[invoices] ALTER COLUMN [reference] NVARCHAR(MAX)"]
    parse_tsql(widen[0])
    assert connection.events.count("COMMIT") == 1


class WidenedConnection(RecordingConnection):
    """SQL Server whose tables have ``narrow``'s columns and hold ``stored`` (one page)."""

    def __init__(self, narrow: ObjectMapping, stored: list[Record]) -> None:
        super().__init__()
        self.columns = {spec.name: [catalog_row(c) for c in spec.columns]
                        for spec in [*CONTROL_TABLES, *mapping_tables(narrow)]}
        self.keys = {MSSQL.table("xero", spec.name): [(name,) for name in spec.key]
                     for spec in [*CONTROL_TABLES, *mapping_tables(narrow)]}
        self.stored = stored

    def respond(self, sql: str, params: tuple[Any, ...]) -> tuple[list[tuple[Any, ...]], int]:
        if "is_primary_key" in sql:
            self.events.append("SELECT")
            return self.keys[params[0]], -1
        if "INFORMATION_SCHEMA.COLUMNS" in sql:
            self.events.append("SELECT")
            assert params[0] == "xero", params
            return self.columns[params[1]], -1
        if sql.startswith("SELECT DISTINCT [tenant_id]"):
            self.events.append("SELECT")
            return [(TENANT,)], -1
        if "[_raw_json] FROM" in sql:
            self.events.append("SELECT")
            return [(r["InvoiceID"], False, json.dumps(r)) for r in self.stored], -1
        if "FROM #applied" in sql:  # the stored versions: the upsert changed nothing
            self.events.append("SELECT")
            return [], 0
        return super().respond(sql, params)


def test_a_widened_mapping_is_refilled_with_generated_tsql(invoices: list[Record]) -> None:
    document = invoices_document()
    narrow = parse_mapping(document, "invoices.yaml", "invoices")
    document["children"][0]["columns"].append(
        {"source": "Item.Code", "name": "item_code_added", "type": "string", "length": 30})
    wider = parse_mapping(document, "invoices.yaml", "invoices")
    stored = [r for r in invoices if r.get("LineItems")][:3]
    connection = WidenedConnection(narrow, stored)

    MssqlWarehouse(connection, "xero", description="mssql:recorded").ensure_tables([wider])

    lines = child_table(wider, wider.children[0])
    allowed = {*control_statements("xero").values(), *mapping_statements("xero", wider).values(),
               add_column(MSSQL, "xero", lines.name, lines.column("item_code_added"))}
    sent = [sql for sql, _, _ in connection.log]
    assert set(sent) <= allowed
    statements = mapping_statements("xero", wider)
    assert statements["refill_first_page"] in sent
    assert statements["refill_next_page"] not in sent  # 3 records: a short first page ends it
    # Every stored parent is marked for child replacement, then its children are rewritten.
    reapplied = sent.index(statements["refill_reapply"])
    replaced = sent.index(statements["replace_invoice_line_items"])
    assert sent.index(statements["upsert"]) < reapplied < replaced
    line_rows = json.loads(connection.log[replaced][1][0])
    assert len(line_rows) == sum(len(r["LineItems"]) for r in stored)
    assert {row["item_code_added"] for row in line_rows} == {
        (item.get("Item") or {}).get("Code") for r in stored for item in r["LineItems"]}
    assert connection.events.count("COMMIT") == 1  # ALTER and refill: one transaction
    assert "ROLLBACK" not in connection.events


def test_the_json_batch_carries_exact_values(invoices_mapping: ObjectMapping,
                                             invoices: list[Record]) -> None:
    connection = RecordingConnection()
    warehouse = MssqlWarehouse(connection, "xero")
    record = with_items(invoices)
    record["Contact"] = {**record["Contact"], "Name": EMOJI}
    record["CurrencyRate"] = 0.0000000123

    warehouse.load(transform(invoices_mapping, TENANT, [record]), run(), None)

    (row,) = connection.staged
    assert row["invoice_id"] == record["InvoiceID"]
    assert row["contact_name"] == EMOJI
    assert row["currency_rate"] == "0.0000000123"
    assert row["total"] == f"{record['Total']:.4f}"
    assert isinstance(row["sent_to_contact"], bool | None)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}", row["updated_date_utc"])
    sent = next(p[0] for sql, p, _ in connection.log if "INTO #stage" in sql)
    assert sent.isascii()  # the JSON travels as ASCII: no connection charset can mangle it
    lines = next(p for sql, p, _ in connection.log
                 if sql.startswith("DECLARE @json") and "[invoice_line_items]" in sql)
    assert len(json.loads(lines[0])) == len(record["LineItems"])


@pytest.mark.parametrize(("reference", "form"), [
    ('tab\tquote" back\\slash \\u00e9', "stage"),
    ("bell\x07", "stage_controls"),
    ("text that reads \\u001f", "stage_controls"),
])
def test_control_character_escapes_choose_the_longer_staging_statement(
        invoices_mapping: ObjectMapping, invoices: list[Record], reference: str,
        form: str) -> None:
    """The usual statement leaves out the \\u00XX decoding Babelfish needs only for control
    characters (tsql.has_control_escapes says why); a batch that has one gets the form that
    decodes it, and the line items (no such text) keep the short form."""
    connection = RecordingConnection()
    record = with_items(invoices)
    record["Reference"] = reference

    MssqlWarehouse(connection, "xero").load(transform(invoices_mapping, TENANT, [record]),
                                            run(), None)

    statements = mapping_statements("xero", invoices_mapping)
    sent = [sql for sql, _, _ in connection.log]
    assert statements[form] in sent
    assert statements["replace_invoice_line_items"] in sent


def test_a_driver_error_rolls_back_and_names_the_table(invoices_mapping: ObjectMapping,
                                                       invoices: list[Record]) -> None:
    connection = RecordingConnection(fail_on="UPDATE t SET")
    warehouse = MssqlWarehouse(connection, "xero", description="mssql:recorded")

    with pytest.raises(WarehouseError, match=r"\[xero\]\.\[invoices\].*rolled back"):
        warehouse.load(transform(invoices_mapping, TENANT, invoices[:3]), run(),
                       SyncState("invoices", TENANT))

    assert connection.events[-1] == "ROLLBACK"
    assert "COMMIT" not in connection.events


def test_airflow_connections_go_through_the_mssql_provider(
        monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[dict[str, Any]] = []

    def fake_connect(**kwargs: Any) -> RecordingConnection:
        opened.append(kwargs)
        return RecordingConnection()

    monkeypatch.setattr(pymssql, "connect", fake_connect)
    monkeypatch.setenv("AIRFLOW_CONN_XERO_WAREHOUSE_MSSQL_TEST", json.dumps({
        "conn_type": "mssql", "host": "sql.example.com", "port": 1433, "login": "etl",
        "password": "secret", "schema": "reporting", "extra": {"tds_version": "7.4"}}))

    warehouse = warehouse_for("xero_warehouse_mssql_test")

    assert isinstance(warehouse, MssqlWarehouse)
    assert opened[0]["server"] == "sql.example.com"
    assert opened[0]["database"] == "reporting"
    assert opened[0]["tds_version"] == "7.4"  # extras reach pymssql as the provider passes them
    assert "secret" not in warehouse.description


def test_golden_directory_is_where_the_docstring_says() -> None:
    assert Path(__file__).resolve().parents[1] / "golden" / "mssql" == GOLDEN


def test_state_read_over_old_tds_is_parsed(invoices_mapping: ObjectMapping) -> None:
    connection = RecordingConnection()
    connection.respond = lambda sql, params: (  # type: ignore[method-assign]
        [("2026-01-02 03:04:05.6780000", 42, "run-9", None)], 1)
    warehouse = MssqlWarehouse(connection, "xero")

    state = warehouse.read_state(invoices_mapping, TENANT)

    assert state.watermark_ts == datetime(2026, 1, 2, 3, 4, 5, 678000)
    assert (state.watermark_int, state.last_run_id, state.updated_at) == (42, "run-9", None)
