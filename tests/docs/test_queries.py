"""The example queries the demo prints (SQLite) and the README quotes (T-SQL) run and answer.

A warehouse is loaded the way the demo loads it (the sandbox, the token store, the sync, the
warehouse code), then every example query runs against it and must return rows. The T-SQL
spelling is parsed as T-SQL always, and run on SQL Server when ``XERO_SYNC_TEST_MSSQL`` is set.
"""

from __future__ import annotations

import os
import re
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlglot
from cryptography.fernet import Fernet
from sqlglot import exp

import demo
from demo_queries import QUERIES, script
from tests.auth.conftest import connect_app, sandbox_settings
from xero_sandbox.server import Sandbox
from xero_sandbox.state import SandboxConfig
from xero_sync.mapping import load_mapping
from xero_sync.warehouse.base import DEFAULT_SCHEMA
from xero_sync.warehouse.dbapi import WarehouseTarget, connect, target_from_uri
from xero_sync.warehouse.factory import warehouse_for

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
MSSQL_URI = os.environ.get("XERO_SYNC_TEST_MSSQL")
OBJECTS = ("accounts", "organisation", "invoices")  # what the example queries read


class _Synced:
    """Runs the real sync of OBJECTS from one sandbox into any warehouse target."""

    def __init__(self, sandbox: Sandbox, tokens_db: Path) -> None:
        from xero_sync.auth.crypto import TokenCipher
        from xero_sync.auth.oauth import TokenManager
        from xero_sync.auth.token_store import token_store
        from xero_sync.client import XeroClient

        settings = sandbox_settings(sandbox)
        store = token_store(WarehouseTarget("sqlite", str(tokens_db)),
                            TokenCipher(Fernet.generate_key().decode()))
        connect_app(sandbox, settings, store)
        self.client = XeroClient(settings, TokenManager(settings, store))
        self.tenants = list(sandbox.state.tenant_names)

    def extract(self, spec: Any, tenant_id: str, since: Any = None,
                offset: int | None = None) -> Any:
        from xero_sync.extract import extract

        return extract(self.client, spec, tenant_id, since, offset)

    def into(self, target: WarehouseTarget, schema: str = DEFAULT_SCHEMA) -> None:
        from xero_sync.sync import SyncRequest, run_sync

        mappings = [load_mapping(ROOT / "include" / "mappings" / f"{name}.yaml")
                    for name in OBJECTS]
        warehouse = warehouse_for(target, schema)
        try:
            warehouse.ensure_tables(mappings)
            for mapping in mappings:
                for tenant in self.tenants:
                    run_sync(self, warehouse, SyncRequest(mapping, tenant, run_id="queries"))
        finally:
            warehouse.close()


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Synced]:
    config = SandboxConfig(seed=42, tenants=2, scale=80, auto_consent=True)  # the demo's seed
    with Sandbox(config) as sandbox:
        yield _Synced(sandbox, tmp_path_factory.mktemp("tokens") / "tokens.db")


@pytest.fixture(scope="module")
def demo_warehouse(synced: _Synced, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite warehouse holding what the demo's DAGs write for the queried objects."""
    path = tmp_path_factory.mktemp("demo") / "warehouse.db"
    synced.into(WarehouseTarget("sqlite", str(path)))
    return path


def test_every_sqlite_example_answers_on_a_demo_warehouse(demo_warehouse: Path) -> None:
    with sqlite3.connect(demo_warehouse) as db:
        for query in QUERIES:
            rows = db.execute(query.sqlite).fetchall()
            assert rows, f"no rows for: {query.title}"
        unpaid = db.execute(QUERIES[0].sqlite).fetchall()
        synced = {row[1] for row in db.execute(QUERIES[2].sqlite)}
    assert all(row[4] > 0 for row in unpaid)  # amount due
    assert synced <= set(OBJECTS)


def test_the_demo_ends_with_real_table_names_the_queries_and_the_sync_history(
        demo_warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    demo.show_data(demo_warehouse)
    shown = capsys.readouterr().out
    with sqlite3.connect(demo_warehouse) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master "
                                               "WHERE type = 'table'")}
    named = set(re.findall(r"\bxero_[a-z_]+\b", shown))
    assert named, shown
    assert named <= tables, named - tables  # every table it names exists in the file
    assert {"xero_invoices", "xero__sync_runs"} <= named
    assert f"sqlite3 {demo_warehouse}" in shown
    assert script("sqlite") in shown


def test_the_counts_table_names_the_real_tables(demo_warehouse: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "WAREHOUSE", demo_warehouse)
    with sqlite3.connect(demo_warehouse) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master "
                                               "WHERE type = 'table'")}
    counts = demo.table_counts()
    assert "xero_invoices" in counts
    assert set(counts) <= tables


def test_the_readme_quotes_the_tsql_examples() -> None:
    section = README[README.index("## Query the warehouse"):]
    blocks = re.findall(r"```sql\n(.*?)```", section, re.S)
    assert blocks, "no sql block in the README's Query the warehouse section"
    assert blocks[0].strip() == script("tsql")


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.title.split(",")[0])
def test_every_tsql_example_parses_as_tsql(query: Any) -> None:
    parsed = sqlglot.parse(query.tsql, read="tsql", error_level=sqlglot.ErrorLevel.RAISE)
    assert len(parsed) == 1 and parsed[0] is not None
    assert not list(parsed[0].find_all(exp.Command))


@pytest.mark.skipif(not MSSQL_URI, reason="no SQL Server here: set XERO_SYNC_TEST_MSSQL="
                    "mssql://user:pass@host:1433/db to run the T-SQL examples on one")
def test_every_tsql_example_answers_on_sql_server(synced: _Synced) -> None:
    assert MSSQL_URI is not None
    target = target_from_uri(MSSQL_URI)
    schema = f"xero_q_test_{uuid.uuid4().hex[:10]}"
    synced.into(target, schema)
    connection = connect(target)
    try:
        cursor = connection.cursor()
        for query in QUERIES:
            cursor.execute(re.sub(r"\bxero\.", f"{schema}.", query.tsql))
            assert cursor.fetchall(), f"no rows for: {query.title}"
    finally:
        drop_schema(cursor, schema)
        connection.commit()
        connection.close()


# What a warehouse schema holds, in the order it can be dropped: views (``_webhook_status``
# and the reporting layer's) read the tables, functions may read the views.
_DROPPABLE = (("VIEW", "o.type = 'V'"), ("FUNCTION", "o.type IN ('IF', 'FN', 'TF')"),
              ("TABLE", "o.type = 'U'"))


def drop_schema(cursor: Any, schema: str) -> None:
    """Drop a scratch schema and what it holds, one statement each (Babelfish keeps only the
    last row of ``SELECT @sql += ...``, so one concatenated DROP would leave objects behind)."""
    for kind, which in _DROPPABLE:
        cursor.execute("SELECT o.name FROM sys.objects AS o JOIN sys.schemas AS s "  # noqa: S608 - constants only
                       f"ON s.schema_id = o.schema_id WHERE s.name = %s AND {which}", (schema,))
        for (name,) in cursor.fetchall():
            cursor.execute(f"DROP {kind} [{schema}].[{name}]")
    cursor.execute(f"IF SCHEMA_ID(N'{schema}') IS NOT NULL DROP SCHEMA [{schema}]")
