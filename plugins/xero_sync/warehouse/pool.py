"""Idle SQL Server connections a process keeps for its next warehouse (a small pool).

A sync task opens the warehouse once to create the tables and once per organisation, and a
process that runs several tasks (``dag.test()``, the demo, a worker's thread pool) opens it
for each. On SQL Server each open is a login; on Babelfish it is a new server process whose
first T-SQL statements are slow (a second or two before the process is warm): one round of
every DAG under ``dag.test()`` took 158 s into Babelfish against 55 s into SQLite, 67 s with
this pool. So a warehouse that
ends cleanly gives its connection back here, and the next warehouse of the same connection
in the same process takes it.

What is given back is safe to reuse: the warehouse ended without an error, holds no run lock
(the run lock is owned by the session; a warehouse whose release failed, or whose lock was
refused, closes its connection instead: Babelfish 4.4 fails after a few refused
``sp_getapplock`` calls in one session), and its transaction is rolled back on the way in.
A connection is checked with ``SELECT 1`` before it is handed out, is closed after
``MAX_IDLE_SECONDS`` unused (by a daemon thread that runs while any is idle), and is never
used by a forked child (its socket is the parent's). Whoever drops or restores a database the
process used calls ``IDLE.close_all()`` first.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

MAX_IDLE = 4  # a task's threads each hold one; more idle ones would only wait to time out
# An idle session is closed after this long, by a daemon thread: the reuse this is for comes
# seconds apart (the tasks of one ``dag.test()``, a task's organisations one after another), and
# a session left open longer would stand in a DBA's way (DROP or RESTORE DATABASE refuses a
# database in use) for no gain.
MAX_IDLE_SECONDS = 30.0
RESET_SQL = "IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION; BEGIN TRANSACTION"  # pymssql's state
PING_SQL = "SELECT 1"
REAP_EVERY_SECONDS = 5.0


class IdleConnections:
    """Connections given back by warehouses that ended cleanly, per connection key."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._idle: dict[Hashable, list[tuple[float, Any]]] = {}
        self._pid = os.getpid()
        self._forked: list[Any] = []  # a parent's connections: kept, never closed here
        self._reaper: threading.Thread | None = None  # runs while any connection is idle

    def take(self, key: Hashable) -> Any | None:
        """An idle connection of ``key`` that answers, or None (then open a new one)."""
        while True:
            with self._lock:
                self._forget_parents()
                waiting = self._idle.get(key) or []
                if not waiting:
                    return None
                since, connection = waiting.pop()
            if self._clock() - since > MAX_IDLE_SECONDS or not _runs(connection, PING_SQL):
                close_quietly(connection)
                continue
            return connection

    def give_back(self, key: Hashable, connection: Any) -> None:
        """Keep ``connection`` for the next warehouse of ``key``, rolled back; close it if
        the rollback fails or enough are idle already."""
        if not _runs(connection, RESET_SQL):
            close_quietly(connection)
            return
        with self._lock:
            self._forget_parents()
            waiting = self._idle.setdefault(key, [])
            if len(waiting) < MAX_IDLE:
                waiting.append((self._clock(), connection))
                self._start_reaper()
                return
        close_quietly(connection)

    def close_expired(self) -> int:
        """Close the connections idle longer than ``MAX_IDLE_SECONDS``; how many are left."""
        now = self._clock()
        with self._lock:
            self._forget_parents()
            expired = [c for waiting in self._idle.values() for since, c in waiting
                       if now - since > MAX_IDLE_SECONDS]
            for key, waiting in list(self._idle.items()):
                self._idle[key] = [(since, c) for since, c in waiting
                                   if now - since <= MAX_IDLE_SECONDS]
            left = sum(len(waiting) for waiting in self._idle.values())
        for connection in expired:
            close_quietly(connection)
        return left

    def _start_reaper(self) -> None:
        """Start the thread that closes expired connections (called holding the lock)."""
        if self._reaper is None or not self._reaper.is_alive():
            self._reaper = threading.Thread(target=self._reap, daemon=True,
                                            name="xero-sync-idle-connections")
            self._reaper.start()

    def _reap(self) -> None:
        """Every few seconds close what expired; end once nothing is idle."""
        while True:
            time.sleep(REAP_EVERY_SECONDS)
            if self.close_expired() == 0:
                with self._lock:
                    if not any(self._idle.values()):  # else a give_back came in meanwhile
                        self._reaper = None
                        return

    def close_all(self) -> None:
        """Close every idle connection of this process (at exit, or for a test)."""
        with self._lock:
            self._forget_parents()
            idle = [connection for waiting in self._idle.values() for _, connection in waiting]
            self._idle.clear()
        for connection in idle:
            close_quietly(connection)

    def idle_count(self) -> int:
        """How many connections wait to be taken (for tests and logs)."""
        with self._lock:
            self._forget_parents()
            return sum(len(waiting) for waiting in self._idle.values())

    def _forget_parents(self) -> None:
        """In a forked child, set the parent's connections aside without closing them."""
        if os.getpid() != self._pid:
            self._forked.extend(c for waiting in self._idle.values() for _, c in waiting)
            self._idle.clear()
            self._pid = os.getpid()
            self._reaper = None  # threads do not survive a fork


def _runs(connection: Any, sql: str) -> bool:
    """Whether ``sql`` runs on the connection (any failure: the connection is unusable)."""
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(sql)
            if sql == PING_SQL:
                cursor.fetchall()
        finally:
            cursor.close()
    except Exception:
        return False
    return True


def close_quietly(connection: Any) -> None:
    """Close a connection that may already be gone (the server then rolled back)."""
    with contextlib.suppress(Exception):
        connection.close()


IDLE = IdleConnections()
atexit.register(IDLE.close_all)
