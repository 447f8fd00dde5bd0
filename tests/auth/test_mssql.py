"""SQL Server: no server is reachable here, so the generated T-SQL is parsed with sqlglot's
T-SQL dialect and the lock protocol is checked against a recording DB-API connection. A live
test runs when ``XERO_SYNC_TEST_MSSQL`` holds a URI (``mssql://user:pass@host:1433/db``).
"""

from __future__ import annotations

import os
import re
import uuid
from typing import Any

import pytest
import sqlglot
from sqlglot import exp

from tests.auth.conftest import sample_tokens
from xero_sync.auth.crypto import TokenCipher
from xero_sync.auth.token_store import MssqlTokenStore, token_store
from xero_sync.errors import TokenStoreError
from xero_sync.warehouse.dbapi import target_from_uri

APP = "app-client-id"


class RecordingCursor:
    """Answers the app-lock query with ``lock_result`` and the row read with ``row``."""

    def __init__(self, log: list[str], lock_result: int, row: tuple[Any, ...] | None) -> None:
        self.log = log
        self.lock_result = lock_result
        self.row = row
        self.rowcount = -1
        self._next: tuple[Any, ...] | None = None

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        self.log.append(sql)
        assert sql.count("%s") == len(params), sql
        self._next = (self.lock_result,) if "sp_getapplock" in sql else self.row
        self.rowcount = 1 if sql.startswith("UPDATE") else -1

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._next


class RecordingConnection:
    def __init__(self, log: list[str], lock_result: int = 0,
                 row: tuple[Any, ...] | None = None) -> None:
        self.log = log
        self._cursor = RecordingCursor(log, lock_result, row)

    def cursor(self) -> RecordingCursor:
        return self._cursor

    def commit(self) -> None:
        self.log.append("COMMIT")

    def rollback(self) -> None:
        self.log.append("ROLLBACK")

    def close(self) -> None:
        self.log.append("CLOSE")


def recording_store(cipher: TokenCipher, log: list[str], **kwargs: Any) -> MssqlTokenStore:
    return MssqlTokenStore(lambda: RecordingConnection(log, **kwargs), cipher, "xero",
                           description="mssql:test/db")


def parse_tsql(sql: str) -> list[exp.Expression]:
    """Parse as pymssql would send it: its %s placeholders become bound literals."""
    counter = iter(range(1, 100))
    bound = re.sub(r"%s", lambda _: f"@p{next(counter)}", sql)
    parsed = [statement for statement in sqlglot.parse(bound, read="tsql",
                                                       error_level=sqlglot.ErrorLevel.RAISE)
              if statement is not None]
    assert parsed, sql
    for statement in parsed:
        assert not list(statement.find_all(exp.Command)), f"unparsed T-SQL in: {sql}"
    return parsed


def test_every_generated_statement_parses_as_tsql(cipher: TokenCipher) -> None:
    store = recording_store(cipher, [])
    statements = [*store.ddl(), store.applock_sql(), store.select_sql(locked=True),
                  store.select_sql(locked=False), store.update_sql(), store.insert_sql()]
    for sql in statements:
        parse_tsql(sql)
    create = parse_tsql(store.ddl()[1])[0]
    assert "DATETIME2(3)" in create.sql("tsql")
    assert "[xero].[_oauth_tokens]" in store.ddl()[1]


def test_locked_read_takes_the_app_lock_first_and_holds_the_row(cipher: TokenCipher) -> None:
    log: list[str] = []
    store = recording_store(cipher, log)
    with store.locked(APP) as held:
        assert held.tokens is None
        held.save(sample_tokens(), refreshed=False)
    assert "sp_getapplock" in log[0]
    assert "@LockOwner = 'Transaction'" in log[0] and "@LockMode = 'Exclusive'" in log[0]
    assert "WITH (UPDLOCK, HOLDLOCK)" in log[1]
    assert log[2].startswith("INSERT INTO [xero].[_oauth_tokens]")
    assert log[3:] == ["COMMIT"]  # the connection is kept for the next use (locking.py)


def test_existing_row_is_updated(cipher: TokenCipher) -> None:
    log: list[str] = []
    tokens = sample_tokens()
    row = (cipher.encrypt(tokens.access_token), cipher.encrypt(str(tokens.refresh_token)),
           tokens.expires_at.replace(tzinfo=None), " ".join(tokens.scopes), None, None, 3, None)
    store = recording_store(cipher, log, row=row)
    with store.locked(APP) as held:
        assert held.tokens == tokens  # naive DATETIME2 read back as UTC
        held.save(sample_tokens("2"), refreshed=True)
    assert log[2].startswith("UPDATE [xero].[_oauth_tokens] SET")
    assert "INSERT" not in " ".join(log)


def test_lock_timeout_is_an_error_naming_the_cause(cipher: TokenCipher) -> None:
    log: list[str] = []
    store = recording_store(cipher, log, lock_result=-1)
    with pytest.raises(TokenStoreError, match="sp_getapplock"), store.locked(APP):
        pass
    assert "COMMIT" not in log


@pytest.mark.skipif(not os.environ.get("XERO_SYNC_TEST_MSSQL"),
                    reason="no SQL Server here: set XERO_SYNC_TEST_MSSQL=mssql://user:pass@host"
                           ":1433/db to run the token store against a live server")
def test_live_sql_server_round_trip(cipher: TokenCipher) -> None:
    target = target_from_uri(os.environ["XERO_SYNC_TEST_MSSQL"])
    schema = f"xero_auth_test_{uuid.uuid4().hex[:8]}"
    store = token_store(target, cipher, schema)
    store.ensure_table()
    try:
        tokens = sample_tokens()
        store.save(APP, tokens)
        assert store.load(APP) == tokens
        with store.locked(APP) as held:
            held.save(sample_tokens("2"), refreshed=True)
        status = store.status(APP)
        assert status is not None and status.refresh_count == 1
    finally:
        from xero_sync.warehouse.dbapi import connect

        connection = connect(target)
        cursor = connection.cursor()
        cursor.execute(f"DROP TABLE IF EXISTS [{schema}].[_oauth_tokens]")
        cursor.execute(f"DROP SCHEMA IF EXISTS [{schema}]")
        connection.commit()
        connection.close()
