"""Opening the SQLite warehouse while other processes open and close the same file."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from xero_sync.errors import ConfigurationError
from xero_sync.warehouse import dbapi


class _BusyAtFirst(sqlite3.Connection):
    """A connection whose WAL switch is refused as SQLite refuses it mid-recovery of another."""

    refusals = 2

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:  # type: ignore[override]
        if sql.startswith("PRAGMA journal_mode=WAL") and _BusyAtFirst.refusals > 0:
            _BusyAtFirst.refusals -= 1
            raise sqlite3.OperationalError("database is locked")
        return super().execute(sql, *args)


def _connect_busy(monkeypatch: pytest.MonkeyPatch, refusals: int) -> None:
    real_connect = sqlite3.connect
    _BusyAtFirst.refusals = refusals
    monkeypatch.setattr(dbapi.sqlite3, "connect",
                        lambda *a, **k: real_connect(*a, factory=_BusyAtFirst, **k))


def test_a_busy_wal_switch_is_retried_not_fatal(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    _connect_busy(monkeypatch, refusals=2)
    connection = dbapi.connect(dbapi.WarehouseTarget("sqlite", str(tmp_path / "w.db")))
    try:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        connection.close()


def test_a_file_locked_past_the_deadline_still_fails(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    _connect_busy(monkeypatch, refusals=10**6)
    monkeypatch.setattr(dbapi, "SQLITE_BUSY_SECONDS", 0.05)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        dbapi.connect(dbapi.WarehouseTarget("sqlite", str(tmp_path / "w.db")))


@pytest.mark.parametrize(("uri", "problem"), [
    ("sqlite://relative.db", "'relative.db' after sqlite:// is a host, not a file"),
    ("sqlite://", "it names no database file"),
    ("sqlite:///", "it names no database file"),
])
def test_a_sqlite_uri_without_a_file_is_refused_with_the_spellings_that_work(
        uri: str, problem: str) -> None:
    """sqlite3 would open '', its temporary database, and forget the tokens "saved" there."""
    with pytest.raises(ConfigurationError) as refused:
        dbapi.target_from_uri(uri)

    assert str(refused.value) == (
        f"warehouse URI {uri!r}: {problem}; write sqlite:///relative/path.db (relative to the "
        "working directory) or sqlite:////absolute/path.db")


def test_sqlite_uris_name_a_relative_or_an_absolute_file() -> None:
    assert dbapi.target_from_uri("sqlite:///relative/path.db").database == "relative/path.db"
    assert dbapi.target_from_uri("sqlite:////absolute/pa%20th.db").database == "/absolute/pa th.db"
