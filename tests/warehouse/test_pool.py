"""The pool of idle SQL Server connections (``warehouse/pool.py``): what goes back, what is
handed out again, and what is closed instead."""

from __future__ import annotations

import json
import os
import time
from datetime import timedelta
from typing import Any

import pymssql
import pytest

from xero_sync.mapping import ObjectMapping
from xero_sync.warehouse import pool
from xero_sync.warehouse.base import RunLocked, WarehouseError
from xero_sync.warehouse.factory import warehouse_for
from xero_sync.warehouse.pool import IdleConnections


class FakeConnection:
    """Records statements; ``broken`` makes every statement fail."""

    def __init__(self) -> None:
        self.executed: list[str] = []
        self.closed = False
        self.broken = False
        self.lock_result = 0  # what sp_getapplock answers

    def cursor(self) -> FakeCursor:
        if self.closed:
            raise pymssql.InterfaceError("Connection is closed.")
        return FakeCursor(self)

    def commit(self) -> None:
        self.executed.append("COMMIT")

    def rollback(self) -> None:
        self.executed.append("ROLLBACK")

    def close(self) -> None:
        self.closed = True


class FakeCursor:
    def __init__(self, connection: FakeConnection) -> None:
        self.connection = connection

    def execute(self, sql: str, params: Any = None) -> None:
        if self.connection.broken or self.connection.closed:
            raise pymssql.OperationalError("the server closed the connection")
        self.connection.executed.append(sql)

    def fetchall(self) -> list[tuple[int]]:
        return [(1,)]

    def fetchone(self) -> tuple[int] | None:
        last = self.connection.executed[-1]
        return (self.connection.lock_result,) if "sp_getapplock" in last else None

    def close(self) -> None:
        pass


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_connection_given_back_is_rolled_back_and_handed_out_again_after_a_ping() -> None:
    idle, connection = IdleConnections(), FakeConnection()

    idle.give_back("key", connection)

    assert connection.executed == [pool.RESET_SQL]
    assert idle.take("other key") is None
    assert idle.take("key") is connection
    assert connection.executed[-1] == pool.PING_SQL
    assert idle.take("key") is None  # handed out once


def test_a_connection_that_no_longer_answers_is_closed_not_handed_out() -> None:
    idle, connection = IdleConnections(), FakeConnection()
    idle.give_back("key", connection)
    connection.broken = True

    assert idle.take("key") is None
    assert connection.closed


def test_one_whose_rollback_fails_is_closed_at_once() -> None:
    idle, connection = IdleConnections(), FakeConnection()
    connection.broken = True

    idle.give_back("key", connection)

    assert connection.closed and idle.idle_count() == 0


def test_one_idle_too_long_is_closed() -> None:
    clock = Clock()
    idle, connection = IdleConnections(clock), FakeConnection()
    idle.give_back("key", connection)
    clock.now += pool.MAX_IDLE_SECONDS + 1

    assert idle.take("key") is None
    assert connection.closed


def test_a_daemon_thread_closes_idle_connections_so_none_stands_in_a_dbas_way(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """DROP or RESTORE DATABASE refuses a database with sessions: an idle one must not stay
    open for long after the process stopped using it, even if it never opens another."""
    monkeypatch.setattr(pool, "REAP_EVERY_SECONDS", 0.01)
    monkeypatch.setattr(pool, "MAX_IDLE_SECONDS", 0.05)
    idle, connection = IdleConnections(), FakeConnection()

    idle.give_back("key", connection)
    deadline = time.monotonic() + 10
    while not connection.closed and time.monotonic() < deadline:
        time.sleep(0.01)

    assert connection.closed and idle.idle_count() == 0


def test_close_expired_keeps_the_recent_ones() -> None:
    clock = Clock()
    idle, old, recent = IdleConnections(clock), FakeConnection(), FakeConnection()
    idle.give_back("key", old)
    clock.now += pool.MAX_IDLE_SECONDS
    idle.give_back("key", recent)
    clock.now += 1

    assert idle.close_expired() == 1
    assert old.closed and not recent.closed
    assert idle.take("key") is recent


def test_at_most_max_idle_wait_and_the_rest_are_closed() -> None:
    idle = IdleConnections()
    connections = [FakeConnection() for _ in range(pool.MAX_IDLE + 2)]
    for connection in connections:
        idle.give_back("key", connection)

    assert idle.idle_count() == pool.MAX_IDLE
    assert [c.closed for c in connections] == [False] * pool.MAX_IDLE + [True, True]
    idle.close_all()
    assert all(c.closed for c in connections) and idle.idle_count() == 0


def test_a_forked_child_never_uses_or_closes_its_parents_connections(
        monkeypatch: pytest.MonkeyPatch) -> None:
    idle, connection = IdleConnections(), FakeConnection()
    idle.give_back("key", connection)
    monkeypatch.setattr(os, "getpid", lambda: -1)  # as seen from a child

    assert idle.take("key") is None
    idle.close_all()
    assert not connection.closed  # its socket is the parent's


@pytest.fixture
def provider_connections(monkeypatch: pytest.MonkeyPatch) -> list[FakeConnection]:
    """``warehouse_for`` an mssql Airflow Connection, with pymssql opening fakes, and an
    empty pool of this test's own."""
    opened: list[FakeConnection] = []

    def fake_connect(**_: Any) -> FakeConnection:
        opened.append(FakeConnection())
        return opened[-1]

    monkeypatch.setattr(pymssql, "connect", fake_connect)
    monkeypatch.setattr("xero_sync.warehouse.factory.IDLE", IdleConnections())
    monkeypatch.setenv("AIRFLOW_CONN_XERO_WAREHOUSE_POOL_TEST", json.dumps({
        "conn_type": "mssql", "host": "sql.example.com", "port": 1433, "login": "etl",
        "password": "secret", "schema": "reporting"}))
    return opened


def test_the_next_warehouse_of_the_process_reuses_a_cleanly_closed_ones_connection(
        provider_connections: list[FakeConnection]) -> None:
    first = warehouse_for("xero_warehouse_pool_test")
    first.close()
    second = warehouse_for("xero_warehouse_pool_test")

    assert len(provider_connections) == 1
    assert second.connection is provider_connections[0]
    with pytest.raises(WarehouseError, match="is closed"):
        first.connection.cursor()  # the first no longer reaches the shared connection
    first.close()  # closing twice gives nothing back twice
    assert warehouse_for("xero_warehouse_pool_test").connection is not second.connection


def test_a_warehouse_whose_transaction_failed_closes_its_connection(
        provider_connections: list[FakeConnection], invoices_mapping: ObjectMapping) -> None:
    warehouse = warehouse_for("xero_warehouse_pool_test")
    provider_connections[0].broken = True
    with pytest.raises(WarehouseError):
        warehouse.read_state(invoices_mapping, "tenant")
    warehouse.close()

    assert provider_connections[0].closed
    warehouse_for("xero_warehouse_pool_test")
    assert len(provider_connections) == 2


def test_a_warehouse_refused_the_run_lock_closes_its_connection(
        provider_connections: list[FakeConnection]) -> None:
    """Babelfish 4.4 fails after a few refused sp_getapplock calls in one session: a refused
    session is never handed to the next run."""
    warehouse = warehouse_for("xero_warehouse_pool_test")
    provider_connections[0].lock_result = -999  # Babelfish's "held by another session"
    with pytest.raises(RunLocked), warehouse.run_lock("invoices", "tenant", "run-1",
                                                      timedelta(0)):
        pass
    warehouse.close()

    assert provider_connections[0].closed
