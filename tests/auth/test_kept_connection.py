"""The token store and the rate-limit ledger keep one connection per thread between uses
(``xero_sync.warehouse.locking``): checked before reuse, dropped after a failed use, never
shared with a forked child, and on SQL Server left to the process's next store. Checked
through the token store's API on recording connections."""

from __future__ import annotations

import gc
import os
from typing import Any

import pymssql
import pytest

from tests.auth.conftest import sample_tokens
from tests.auth.test_mssql import APP, RecordingConnection, RecordingCursor
from xero_sync.auth.crypto import TokenCipher
from xero_sync.auth.token_store import MssqlTokenStore, token_store
from xero_sync.errors import TokenStoreError
from xero_sync.warehouse import locking, pool
from xero_sync.warehouse.dbapi import WarehouseTarget
from xero_sync.warehouse.pool import IdleConnections


class Server:
    """Hands out recording connections and remembers them; the next statement containing
    ``fail_on`` fails as a broken connection does."""

    def __init__(self) -> None:
        self.connections: list[RecordingConnection] = []
        self.fail_on: str | None = None

    def connect(self) -> RecordingConnection:
        connection = FlakyConnection(self, [])
        self.connections.append(connection)
        return connection


class FlakyCursor(RecordingCursor):
    def __init__(self, server: Server, log: list[str]) -> None:
        super().__init__(log, 0, None)
        self.server = server

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        if self.server.fail_on is not None and self.server.fail_on in sql:
            self.server.fail_on = None
            raise pymssql.OperationalError("20006, b'Write to the server failed'")
        super().execute(sql, params)

    def fetchall(self) -> list[tuple[Any, ...]]:
        return [(1,)]

    def close(self) -> None:
        pass


class FlakyConnection(RecordingConnection):
    def __init__(self, server: Server, log: list[str]) -> None:
        super().__init__(log)
        self._cursor = FlakyCursor(server, log)


def store_on(server: Server, cipher: TokenCipher) -> MssqlTokenStore:
    return MssqlTokenStore(server.connect, cipher, "xero", description="mssql:test/db")


def test_uses_share_one_connection_checked_before_each_reuse(cipher: TokenCipher) -> None:
    server = Server()
    store = store_on(server, cipher)

    store.save(APP, sample_tokens())
    store.load(APP)
    store.status(APP)

    (connection,) = server.connections
    assert connection.log.count("SELECT 1") == 2  # before the second and the third use
    assert "sp_getapplock" in connection.log[0]  # a new connection needs no check
    assert "CLOSE" not in connection.log


def test_a_dead_or_failed_connection_is_closed_and_the_next_use_opens_another(
        cipher: TokenCipher) -> None:
    server = Server()
    store = store_on(server, cipher)
    store.load(APP)

    server.fail_on = "SELECT 1"  # the server went away between two uses
    store.load(APP)
    server.fail_on = "sp_getapplock"  # a use fails half-way
    with pytest.raises(TokenStoreError, match="Write to the server failed"):
        store.save(APP, sample_tokens())
    store.load(APP)

    first, second, third = server.connections
    assert first.log[-1] == "CLOSE" and second.log[-1] == "CLOSE"
    assert "CLOSE" not in third.log


def test_a_forked_child_connects_anew_and_leaves_the_parents_connection_open(
        cipher: TokenCipher, monkeypatch: pytest.MonkeyPatch) -> None:
    server = Server()
    store = store_on(server, cipher)
    store.load(APP)
    parent = os.getpid()
    monkeypatch.setattr(os, "getpid", lambda: parent + 1)  # as in a child after fork

    store.load(APP)
    store.close()

    first, second = server.connections
    assert "CLOSE" not in first.log  # the parent's socket is not the child's to close
    assert second.log[-1] == "CLOSE"


def test_a_use_inside_another_gets_its_own_connection(cipher: TokenCipher) -> None:
    """Ending the inner use's transaction must not end the outer one's (its lock)."""
    server = Server()
    store = store_on(server, cipher)

    with store.locked(APP) as held:
        assert store.load(APP) is None  # read while the lock is held
        held.save(sample_tokens(), refreshed=False)

    outer, inner = server.connections
    assert "ROLLBACK" not in outer.log  # the inner read's rollback went to its own connection
    assert inner.log[-2:] == ["ROLLBACK", "CLOSE"]
    assert outer.log[-1] == "COMMIT"


def test_a_collected_stores_connection_starts_the_next_store_of_the_same_warehouse(
        cipher: TokenCipher, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each sync task's hook makes its own store and ledger; on SQL Server the next one of the
    process starts on the connection a collected one left (``pool.IDLE``), not on a login."""
    server = Server()
    monkeypatch.setattr(pymssql, "connect", lambda **_: server.connect())
    monkeypatch.setattr(locking, "IDLE", IdleConnections())
    target = WarehouseTarget("mssql", "warehouse", host="sql.example.com", port=1433,
                             user="etl", password="secret")

    first = token_store(target, cipher)
    first.save(APP, sample_tokens())
    del first
    gc.collect()
    token_store(target, cipher).load(APP)
    token_store(WarehouseTarget("mssql", "other"), cipher).load(APP)  # another warehouse

    reused, other = server.connections
    assert "CLOSE" not in reused.log
    assert reused.log.index(pool.RESET_SQL) < reused.log.index(pool.PING_SQL)
    assert pool.PING_SQL not in other.log  # a new connection, not the idle one of another
