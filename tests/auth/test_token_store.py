"""The token store on SQLite and PostgreSQL: encrypted rows, bookkeeping, and the lock."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from cryptography.fernet import Fernet

from tests.auth.conftest import Warehouse, sample_tokens
from xero_sync.auth.crypto import TokenCipher
from xero_sync.auth.token_store import LockedTokens, SqliteTokenStore, TokenStore, token_store
from xero_sync.errors import ConfigurationError, TokenStoreError
from xero_sync.warehouse.dbapi import WarehouseTarget

APP = "app-client-id"


def raw_rows(warehouse: Warehouse) -> list[tuple[Any, ...]]:
    """Every column of every row, straight from the database."""
    if warehouse.target.dialect == "sqlite":
        query = f'SELECT * FROM "{warehouse.schema}__oauth_tokens"'  # noqa: S608 - fixture name
        with sqlite3.connect(warehouse.target.database) as connection:
            return list(connection.execute(query))
    query = f'SELECT * FROM "{warehouse.schema}"."_oauth_tokens"'  # noqa: S608 - fixture name
    with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres") as connection:
        return list(connection.execute(query))


def write_then_fail(store: TokenStore, write: Callable[[LockedTokens], None]) -> None:
    """Write inside the lock, then fail, as a caller that crashes after saving would."""
    with store.locked(APP) as held:
        write(held)
        raise RuntimeError("the caller fails after writing")


def test_round_trip(warehouse: Warehouse, cipher: TokenCipher) -> None:
    store = warehouse.store(cipher)
    store.ensure_table()
    store.ensure_table()  # idempotent
    assert store.load(APP) is None
    tokens = sample_tokens()
    store.save(APP, tokens)
    loaded = store.load(APP)
    assert loaded == tokens
    assert loaded is not None and loaded.expires_at.utcoffset() is not None


def test_row_holds_no_token_text(warehouse: Warehouse, cipher: TokenCipher) -> None:
    store = warehouse.store(cipher)
    store.ensure_table()
    store.save(APP, sample_tokens("clear"))
    rows = raw_rows(warehouse)
    assert len(rows) == 1
    flat = " ".join(str(value) for value in rows[0])
    assert APP in flat
    assert "TOKEN-TEXT" not in flat


def test_wrong_key_is_a_clear_error(warehouse: Warehouse, cipher: TokenCipher) -> None:
    store = warehouse.store(cipher)
    store.ensure_table()
    store.save(APP, sample_tokens())
    other = warehouse.store(TokenCipher(Fernet.generate_key().decode()))
    with pytest.raises(TokenStoreError, match="key changed"):
        other.load(APP)


def test_bookkeeping_counts_refreshes_and_resets_on_authorize(
        warehouse: Warehouse, cipher: TokenCipher) -> None:
    store = warehouse.store(cipher)
    store.ensure_table()
    store.save(APP, sample_tokens("a"))
    first = store.status(APP)
    assert first is not None and first.refresh_count == 0 and first.refreshed_at is None
    with store.locked(APP) as held:
        held.save(sample_tokens("b"), refreshed=True)
    with store.locked(APP) as held:
        held.save(sample_tokens("c"), refreshed=True)
    second = store.status(APP)
    assert second is not None
    assert (second.refresh_count, second.has_refresh_token) == (2, True)
    assert second.refreshed_at is not None and second.last_error is None
    assert second.scopes == ("offline_access", "accounting.settings.read")
    store.save(APP, sample_tokens("d"))
    third = store.status(APP)
    assert third is not None and third.refresh_count == 0


def test_error_is_recorded_and_tokens_kept(warehouse: Warehouse, cipher: TokenCipher) -> None:
    store = warehouse.store(cipher)
    store.ensure_table()
    store.save(APP, sample_tokens())
    with pytest.raises(RuntimeError):
        write_then_fail(store, lambda held: held.record_error("invalid_grant: run authorize"))
    status = store.status(APP)
    assert status is not None and status.last_error == "invalid_grant: run authorize"
    kept = store.load(APP)
    assert kept is not None and kept.refresh_token == "REFRESH-TOKEN-TEXT-1"


def test_write_then_failure_still_commits(warehouse: Warehouse, cipher: TokenCipher) -> None:
    """A rotated refresh token must survive a failure after it was saved."""
    store = warehouse.store(cipher)
    store.ensure_table()
    store.save(APP, sample_tokens("old"))
    with pytest.raises(RuntimeError):
        write_then_fail(store, lambda held: held.save(sample_tokens("new"), refreshed=True))
    saved = store.load(APP)
    assert saved is not None and saved.refresh_token == "REFRESH-TOKEN-TEXT-new"


def test_no_write_rolls_back(warehouse: Warehouse, cipher: TokenCipher) -> None:
    store = warehouse.store(cipher)
    store.ensure_table()
    with store.locked(APP) as held:
        assert held.tokens is None
    assert store.load(APP) is None


def test_lock_serialises_and_the_second_holder_rereads(
        warehouse: Warehouse, cipher: TokenCipher) -> None:
    store = warehouse.store(cipher)
    store.ensure_table()
    store.save(APP, sample_tokens("0"))
    inside = threading.Event()
    seen: list[str | None] = []

    def first() -> None:
        with warehouse.store(cipher).locked(APP) as held:
            inside.set()
            time.sleep(0.5)
            held.save(sample_tokens("1"), refreshed=True)

    thread = threading.Thread(target=first)
    thread.start()
    assert inside.wait(10)
    started = time.monotonic()
    with store.locked(APP) as held:
        waited = time.monotonic() - started
        seen.append(held.tokens.access_token if held.tokens else None)
    thread.join()
    assert waited >= 0.3
    assert seen == ["ACCESS-TOKEN-TEXT-1"]


def test_sqlite_table_name_documents_the_schema_prefix(tmp_path: Any, cipher: TokenCipher) -> None:
    store = token_store(WarehouseTarget("sqlite", str(tmp_path / "w.db")), cipher)
    assert isinstance(store, SqliteTokenStore)
    assert store.table == '"xero__oauth_tokens"'


def test_schema_must_be_an_identifier(tmp_path: Any, cipher: TokenCipher) -> None:
    with pytest.raises(ConfigurationError, match="schema"):
        token_store(WarehouseTarget("sqlite", str(tmp_path / "w.db")), cipher, "x; DROP")


def test_unreachable_database_is_a_token_store_error(cipher: TokenCipher) -> None:
    target = WarehouseTarget("sqlite", "/nonexistent-dir/for/sure/w.db")
    with pytest.raises(TokenStoreError, match="xero_warehouse"):
        token_store(target, cipher).ensure_table()
