"""Shared, locked state in the warehouse: a kept connection and named exclusive locks.

Two things keep state that every worker must see the same way: the token store (one refresh per
expiry, design decision 1) and the rate limiter (Xero's limits per organisation, design
decision 2). Both keep a connection per thread (opened through
:func:`xero_sync.warehouse.dbapi.connect`), run each use as one transaction,
take an exclusive lock that the transaction's COMMIT or ROLLBACK releases, and turn the
driver's errors into the package's own. This module is that common part, once per dialect:

- SQLite: ``BEGIN IMMEDIATE`` takes the database's write lock (one lock per file, so every
  name shares it; waits up to the connection's busy timeout).
- PostgreSQL: ``pg_advisory_xact_lock`` on a hash of the name.
- SQL Server: ``sp_getapplock`` owned by the transaction, with a bounded wait.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
import weakref
from collections.abc import Callable, Hashable, Iterator
from typing import Any, ClassVar

from xero_sync.errors import XeroSyncError
from xero_sync.warehouse.dbapi import connect as dbapi_connect
from xero_sync.warehouse.pool import IDLE
from xero_sync.warehouse.pool import close_quietly as _close_quietly

LOCK_TIMEOUT_SECONDS = 120  # longer than a token refresh with all its retries (auth/oauth.py)


class LockTimeout(XeroSyncError):
    """Another worker held a warehouse lock too long; a retry of the task can succeed."""

    retryable = True
    fix = "Nothing to do: Airflow retries this task once the other worker lets the lock go."


class LockingSession:
    """Connection handling and named locks of one dialect (subclasses below)."""

    dialect: ClassVar[str] = ""
    marker: ClassVar[str] = "%s"  # the driver's parameter marker

    def __init__(self, connect: Callable[[], Any]) -> None:
        self._connect = connect
        self._kept = threading.local()  # this thread's connection and the process it is of
        # Every thread's kept connection, closed (SQL Server: given back to ``pool.IDLE``)
        # when the session is collected or the process exits (a driver warns about a
        # connection left open); only this process's are.
        self._open: list[tuple[int, Any]] = []
        self._pool_key = self.pool_key(connect)
        weakref.finalize(self, _close_all, self._open, self._pool_key)

    def pool_key(self, connect: Callable[[], Any]) -> Hashable | None:
        """Where this session's connections go when it is collected, for the process's next
        session of the same warehouse (``pool.IDLE``); None: they are closed."""
        return None

    def driver_errors(self) -> tuple[type[BaseException], ...]:
        """The driver's exception classes (callers turn them into the package's errors)."""
        raise NotImplementedError

    def lock_resource(self, cursor: Any, resource: str) -> None:
        """Start a transaction holding an exclusive lock on ``resource`` until it ends."""
        raise NotImplementedError

    def _failure(self, action: str, error: BaseException) -> Exception:
        """The package's error for a driver error while doing ``action``."""
        raise NotImplementedError

    @contextlib.contextmanager
    def _connection(self) -> Iterator[Any]:
        """This thread's connection, kept between uses; each use ends its transaction.

        Kept, not opened per use: a rate-limited call takes the ledger's lock twice, and a
        login per use cost SQL Server a login each time and Babelfish a new server process
        whose first T-SQL parses slowly (about a second). A kept connection is checked
        before it is used again (``ping_sql``); a use that raises drops it (closing it rolls
        back whatever the use left open), and so does a fork (a child process must not talk
        on its parent's socket). A use begun inside another on the same thread gets a
        connection of its own: ending its transaction must not end the outer one's."""
        if getattr(self._kept, "busy", False):
            with self._fresh_connection() as nested:
                yield nested
            return
        connection = self._checked_out()
        self._kept.busy = True
        try:
            yield connection
        except BaseException:
            self._drop(close=True)
            raise
        finally:
            self._kept.busy = False

    @contextlib.contextmanager
    def _fresh_connection(self) -> Iterator[Any]:
        """A new connection, closed afterwards."""
        connection = self._new_connection()
        try:
            yield connection
        finally:
            _close_quietly(connection)

    ping_sql: ClassVar[str | None] = "SELECT 1"  # None: nothing can go stale (a local file)

    def _checked_out(self) -> Any:
        kept = getattr(self._kept, "connection", None)
        if kept is not None and getattr(self._kept, "pid", None) != os.getpid():
            self._drop(close=False)  # the parent's: never close it from here
            kept = None
        if kept is not None and not self._answers(kept):
            self._drop(close=True)
            kept = None
        if kept is None:
            kept = self._new_connection()
            self._kept.connection, self._kept.pid = kept, os.getpid()
            self._open.append((os.getpid(), kept))
        return kept

    def _new_connection(self) -> Any:
        idle = None if self._pool_key is None else IDLE.take(self._pool_key)
        if idle is not None:
            return idle
        try:
            return self._connect()
        except self.driver_errors() as error:
            raise self._failure("connect", error) from error

    def _answers(self, connection: Any) -> bool:
        if self.ping_sql is None:
            return True
        try:
            cursor = connection.cursor()
            cursor.execute(self.ping_sql)
            cursor.fetchall()
        except Exception:  # any failure means: connect again
            return False
        return True

    def _drop(self, *, close: bool) -> None:
        connection = getattr(self._kept, "connection", None)
        self._kept.connection = None
        if connection is None:
            return
        with contextlib.suppress(ValueError):
            self._open.remove((self._kept.pid, connection))
        if close:
            _close_quietly(connection)

    def close(self) -> None:
        """Close this thread's kept connection (the next use opens another)."""
        self._drop(close=True)


def _close_all(opened: list[tuple[int, Any]], pool_key: Hashable | None) -> None:
    """Close the kept connections this process opened, or give them back to the pool
    (a fork's child leaves its parent's)."""
    for pid, connection in list(opened):
        if pid != os.getpid():
            continue
        if pool_key is None:
            _close_quietly(connection)
        else:
            IDLE.give_back(pool_key, connection)
    opened.clear()


class SqliteSession(LockingSession):
    """SQLite: one write lock per database file."""

    dialect = "sqlite"
    marker = "?"
    ping_sql = None

    def driver_errors(self) -> tuple[type[BaseException], ...]:
        """sqlite3's base error."""
        import sqlite3

        return (sqlite3.Error,)

    def lock_resource(self, cursor: Any, resource: str) -> None:
        """The database's write lock (SQLite has no finer one); the name is not needed."""
        cursor.execute("BEGIN IMMEDIATE")


class PostgresSession(LockingSession):
    """PostgreSQL: transaction-scoped advisory locks."""

    dialect = "postgres"

    def driver_errors(self) -> tuple[type[BaseException], ...]:
        """psycopg's base error."""
        import psycopg

        return (psycopg.Error,)

    def lock_resource(self, cursor: Any, resource: str) -> None:
        """An advisory lock on the name's hash, released at COMMIT or ROLLBACK."""
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (resource,))


class MssqlSession(LockingSession):
    """SQL Server: application locks owned by the transaction."""

    dialect = "mssql"

    def pool_key(self, connect: Callable[[], Any]) -> Hashable | None:
        """The warehouse the connections are of, when ``connect`` says so
        (``functools.partial(dbapi.connect, target)``, as the token store and the ledger
        open theirs): a new session of it then starts on a connection a collected one left,
        instead of a login (and, on Babelfish, a server process that parses slowly at first)."""
        if isinstance(connect, functools.partial) and connect.func is dbapi_connect \
                and len(connect.args) == 1 and not connect.keywords:
            return ("locking session", connect.args[0])
        return None

    def driver_errors(self) -> tuple[type[BaseException], ...]:
        """pymssql's base error."""
        import pymssql

        return (pymssql.Error,)

    def applock_sql(self) -> str:
        """Take an exclusive app lock for this transaction and report the result code."""
        return (
            "DECLARE @result INT; EXEC @result = sp_getapplock @Resource = %s, "
            "@LockMode = 'Exclusive', @LockOwner = 'Transaction', "
            f"@LockTimeout = {LOCK_TIMEOUT_SECONDS * 1000}; SELECT @result AS lock_result"
        )

    def lock_resource(self, cursor: Any, resource: str) -> None:
        """pymssql has already begun the transaction (autocommit is off)."""
        cursor.execute(self.applock_sql(), (resource,))
        row = cursor.fetchone()
        code = None if row is None else int(row[0])
        if code is None or code < 0:
            raise LockTimeout(
                f"SQL Server warehouse: sp_getapplock on {resource!r} returned {code} (-1 "
                f"timeout after {LOCK_TIMEOUT_SECONDS} s, -2 cancelled, -3 deadlock): another "
                "worker held the lock too long; retry the task"
            )
