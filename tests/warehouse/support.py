"""Helpers for the warehouse tests: scratch warehouses, source records, comparisons, faults.

A ``Scratch`` is one empty warehouse (an SQLite file, a PostgreSQL schema, a SQL Server schema)
that tests open connections to; ``table_rows`` reads a table back as canonical plain values
(``values.canonical``), and ``expected_rows`` turns source records into the same form through
``transform``, so "the warehouse equals the source" is one equality.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.auth.conftest import postgres_available
from xero_sync.dates import parse_xero_datetime
from xero_sync.mapping import ObjectMapping
from xero_sync.transform import transform
from xero_sync.warehouse.base import RunContext, SyncState
from xero_sync.warehouse.dbapi import WarehouseTarget, connect
from xero_sync.warehouse.factory import WAREHOUSES
from xero_sync.warehouse.sqlbase import SqlWarehouse
from xero_sync.warehouse.tables import mapping_tables
from xero_sync.warehouse.values import canonical

Record = dict[str, Any]
PG_TARGET = WarehouseTarget("postgres", "postgres", "127.0.0.1", 5432, "postgres")
EPOCH = datetime(1970, 1, 1)


# -- scratch warehouses ------------------------------------------------------------------------

@dataclass
class Scratch:
    """One empty warehouse; ``open`` gives a new connection to it each time."""

    target: WarehouseTarget
    schema: str
    wrap: Callable[[Any], Any] | None = None
    opened: list[SqlWarehouse] = field(default_factory=list)

    @property
    def dialect(self) -> str:
        """sqlite, postgres or mssql."""
        return self.target.dialect

    def open(self, wrap: Callable[[Any], Any] | None = None, *,
             over: Any | None = None) -> SqlWarehouse:
        """A warehouse on a new connection, or ``over`` one the test keeps (closing the
        warehouse leaves it open); optionally wrapped, to inject faults."""
        connection = connect(self.target) if over is None else Kept(over)
        if wrap is not None:
            connection = wrap(connection)
        warehouse = WAREHOUSES[self.dialect](connection, self.schema)
        self.opened.append(warehouse)
        return warehouse

    def close_all(self) -> None:
        """Close every connection opened."""
        for warehouse in self.opened:
            warehouse.close()
        self.opened.clear()


class Kept:
    """A connection a test keeps across warehouses: ``close`` leaves it open. Whatever a
    warehouse did not commit or roll back would show in the next one's transaction."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection

    def close(self) -> None:
        """Left open for the next warehouse."""

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)


def postgres_scratch() -> Iterator[Scratch]:
    """A scratch schema, dropped afterwards; skips when PostgreSQL is unreachable."""
    if not postgres_available():
        pytest.skip("PostgreSQL at 127.0.0.1:5432 is unreachable (set REQUIRE_POSTGRES=1 to fail)")
    scratch = Scratch(PG_TARGET, f"xero_wh_test_{uuid.uuid4().hex[:10]}")
    yield scratch
    scratch.close_all()
    with connect(PG_TARGET) as connection:
        connection.execute(f'DROP SCHEMA IF EXISTS "{scratch.schema}" CASCADE')
        connection.commit()


def sqlite_scratch(directory: Any) -> Iterator[Scratch]:
    """A new SQLite file."""
    scratch = Scratch(WarehouseTarget("sqlite", str(directory / f"{uuid.uuid4().hex}.db")),
                      "xero")
    yield scratch
    scratch.close_all()


# -- reading back ------------------------------------------------------------------------------

def table_rows(warehouse: SqlWarehouse, table: str, tenant_id: str | None = None,
               columns: list[str] | None = None) -> list[tuple[Any, ...]]:
    """A table's rows (of one tenant), canonical values, sorted; ``columns`` default all."""
    names = "*" if columns is None else warehouse.sql.columns(columns)
    sql = f"SELECT {names} FROM {warehouse.table(table)}"  # noqa: S608 - test identifiers
    params: tuple[Any, ...] = ()
    if tenant_id is not None:
        sql += f" WHERE {warehouse.sql.quote('tenant_id')} = {warehouse.sql.marker}"
        params = (tenant_id,)
    cursor = warehouse.connection.cursor()
    cursor.execute(sql, params)
    rows = [tuple(canonical(value) for value in row) for row in cursor.fetchall()]
    warehouse.connection.commit()
    return sorted(rows, key=repr)


def warehouse_data(warehouse: SqlWarehouse, mapping: ObjectMapping,
                   tenant_id: str) -> dict[str, list[tuple[Any, ...]]]:
    """The data columns of every table of a mapping, for one tenant."""
    return {spec.name: table_rows(warehouse, spec.name, tenant_id, spec.data_columns)
            for spec in mapping_tables(mapping)}


def expected_rows(mapping: ObjectMapping, tenant_id: str,
                  records: list[Record]) -> dict[str, list[tuple[Any, ...]]]:
    """What the tables must hold for these records (the latest copy of each)."""
    batch = transform(mapping, tenant_id, records)
    frames = {mapping.table: batch.parent, **batch.children}
    return {spec.name: sorted((tuple(canonical(v) for v in row)
                               for row in frames[spec.name][spec.data_columns]
                               .itertuples(index=False, name=None)), key=repr)
            for spec in mapping_tables(mapping)}


def counts_by_table(warehouse: SqlWarehouse, mapping: ObjectMapping,
                    tenant_id: str) -> dict[str, int]:
    """Rows per table for one tenant."""
    return {name: len(rows) for name, rows in warehouse_data(warehouse, mapping,
                                                              tenant_id).items()}


# -- source records ----------------------------------------------------------------------------

def updated_at(record: Record) -> datetime:
    """A record's UpdatedDateUTC as the warehouse stores it (naive UTC, milliseconds)."""
    moment = parse_xero_datetime(record["UpdatedDateUTC"])
    assert isinstance(moment, datetime)
    return moment.astimezone(UTC).replace(tzinfo=None,
                                          microsecond=moment.microsecond // 1000 * 1000)


def ms_date(moment: datetime) -> str:
    """``/Date(ms+0000)/`` of a naive-UTC datetime."""
    return f"/Date({(moment - EPOCH) // timedelta(milliseconds=1)}+0000)/"


def new_version(record: Record, seconds: int = 60, **changes: Any) -> Record:
    """A later copy of a record: UpdatedDateUTC moved on, fields changed."""
    copied = copy.deepcopy(record)
    copied["UpdatedDateUTC"] = ms_date(updated_at(record) + timedelta(seconds=seconds))
    copied.update(changes)
    return copied


def fresh_guid() -> str:
    """A new lower-case GUID."""
    return str(uuid.uuid4())


def with_new_ids(record: Record) -> Record:
    """A copy of an invoice with new InvoiceID, LineItemIDs and PaymentIDs."""
    copied = copy.deepcopy(record)
    copied["InvoiceID"] = fresh_guid()
    for item in copied.get("LineItems") or []:
        item["LineItemID"] = fresh_guid()
    for payment in copied.get("Payments") or []:
        payment["PaymentID"] = fresh_guid()
    return copied


def run(run_id: str = "run-1", when: datetime | None = None, *,
        snapshot: bool = False) -> RunContext:
    """A run context (``snapshot``: a full snapshot's, which records the keys it reads)."""
    return RunContext(run_id, when or datetime(2026, 1, 2, 3, 4, 5, 678000), snapshot)


def state_after(mapping: ObjectMapping, tenant_id: str, records: list[Record]) -> SyncState:
    """The watermark after loading these records: their highest UpdatedDateUTC."""
    return SyncState(mapping.name, tenant_id, max(updated_at(r) for r in records))


def raw(record: Record) -> str:
    """The record's ``_raw_json`` as transform writes it."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


# -- faults ------------------------------------------------------------------------------------

class InjectedFailure(Exception):
    """Raised by a FailingConnection at its chosen operation."""


class Budget:
    """Counts database operations; raises at the ``fail_at``-th (once)."""

    def __init__(self, fail_at: int | None = None, after_commit: bool = False) -> None:
        self.fail_at = fail_at
        self.after_commit = after_commit
        self.count = 0
        self.fired = False

    def tick(self, what: str) -> bool:
        """Count an operation; True when it is the one to fail."""
        self.count += 1
        if self.fail_at is not None and self.count == self.fail_at and not self.fired:
            self.fired = True
            return True
        return False


class FailingCursor:
    """A cursor whose N-th execute / executemany / copy raises before running."""

    def __init__(self, cursor: Any, budget: Budget) -> None:
        self._cursor = cursor
        self._budget = budget

    def _check(self, what: str) -> None:
        if self._budget.tick(what):
            raise InjectedFailure(f"injected at operation {self._budget.count}: {what[:60]}")

    def execute(self, sql: str, *args: Any) -> Any:
        self._check(sql)
        return self._cursor.execute(sql, *args)

    def executemany(self, sql: str, *args: Any) -> Any:
        self._check(sql)
        return self._cursor.executemany(sql, *args)

    def copy(self, sql: str, *args: Any) -> Any:
        self._check(sql)
        return self._cursor.copy(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


class FailingConnection:
    """A connection that fails at one chosen operation; commit counts as one (and may fail
    before committing, or after: the data is stored but the caller sees an error)."""

    def __init__(self, connection: Any, budget: Budget) -> None:
        self._connection = connection
        self.budget = budget

    def cursor(self) -> FailingCursor:
        return FailingCursor(self._connection.cursor(), self.budget)

    def commit(self) -> None:
        if self.budget.tick("COMMIT"):
            if self.budget.after_commit:
                self._connection.commit()
            raise InjectedFailure(f"injected at operation {self.budget.count}: COMMIT")
        self._connection.commit()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)
