"""Open a DB-API connection to the warehouse from a URI or an Airflow Connection.

One function per dialect keeps driver quirks in one place: SQLite is opened in autocommit mode
so that callers control transactions (``BEGIN IMMEDIATE`` for the token lock); PostgreSQL and
SQL Server connections start a transaction implicitly and are committed by the caller.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from xero_sync.errors import ConfigurationError

DIALECTS = ("sqlite", "postgres", "mssql")
_SCHEMES = {"sqlite": "sqlite", "postgres": "postgres", "postgresql": "postgres",
            "mssql": "mssql", "sqlserver": "mssql"}


@dataclass(frozen=True)
class WarehouseTarget:
    """Where the warehouse is: a dialect and what its driver needs (``repr`` hides the password)."""

    dialect: str
    database: str
    host: str | None = None
    port: int | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        from xero_sync.auth.masking import mask_secrets  # not at the top: xero_sync.auth
        # imports this module

        mask_secrets(self.password)  # redacted from every stored or logged error from now on

    def describe(self) -> str:
        """A log-safe description (never the password)."""
        where = self.database if self.dialect == "sqlite" else f"{self.host}/{self.database}"
        return f"{self.dialect}:{where}"


def target_from_uri(uri: str) -> WarehouseTarget:
    """``sqlite:////abs/path.db``, ``postgresql://user@host:5432/db``, ``mssql://u:p@h:1433/db``."""
    parts = urlsplit(uri)
    dialect = _SCHEMES.get(parts.scheme.split("+")[0])
    if dialect is None:
        raise ConfigurationError(
            f"warehouse URI scheme {parts.scheme!r} is not supported; use sqlite, postgresql "
            "or mssql"
        )
    if dialect == "sqlite":
        path = unquote(parts.path)
        return WarehouseTarget("sqlite", path[1:] if path.startswith("//") else path)
    return WarehouseTarget(
        dialect, parts.path.lstrip("/"), parts.hostname, parts.port,
        unquote(parts.username) if parts.username else None,
        unquote(parts.password) if parts.password else None,
    )


def target_from_connection(conn: Any) -> WarehouseTarget:
    """The target of an Airflow Connection of type sqlite, postgres or mssql."""
    dialect = _SCHEMES.get(str(conn.conn_type))
    if dialect is None:
        raise ConfigurationError(
            f"connection {conn.conn_id!r} has conn_type {conn.conn_type!r}; the warehouse must "
            "be mssql (production), postgres or sqlite"
        )
    if dialect == "sqlite":
        return WarehouseTarget("sqlite", conn.host or conn.schema)
    return WarehouseTarget(dialect, conn.schema or "", conn.host, conn.port, conn.login,
                           conn.password)


SQLITE_BUSY_SECONDS = 60.0


def _use_write_ahead_log(connection: sqlite3.Connection, deadline_seconds: float) -> None:
    """Switch the file to WAL, retrying "database is locked" until the busy deadline.

    SQLite answers ``PRAGMA journal_mode`` with SQLITE_BUSY *without* calling the busy handler
    while another process opens or closes the same file in WAL mode (recovery, the last
    connection's checkpoint), so the connection's timeout alone does not cover it: several
    processes sharing one file (the rate-limit ledger, overlapping runs) failed on connect.
    """
    give_up_at = time.monotonic() + deadline_seconds
    pause = 0.01
    while True:
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= give_up_at:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.5)


def connect(target: WarehouseTarget) -> Any:
    """A new DB-API connection; the caller closes it."""
    if target.dialect == "sqlite":
        connection = sqlite3.connect(target.database, timeout=SQLITE_BUSY_SECONDS,
                                     isolation_level=None, check_same_thread=False)
        try:
            _use_write_ahead_log(connection, SQLITE_BUSY_SECONDS)
        except BaseException:
            connection.close()
            raise
        return connection
    if target.dialect == "postgres":
        import psycopg

        return psycopg.connect(host=target.host, port=target.port, user=target.user,
                               password=target.password, dbname=target.database)
    import pymssql

    return pymssql.connect(server=target.host or "localhost", port=str(target.port or 1433),
                           user=target.user,
                           password=target.password, database=target.database,
                           autocommit=False)
