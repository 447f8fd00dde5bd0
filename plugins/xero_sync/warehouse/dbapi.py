"""Open a DB-API connection to the warehouse from a URI or an Airflow Connection.

One function per dialect keeps driver quirks in one place: SQLite is opened in autocommit mode
so that callers control transactions (``BEGIN IMMEDIATE`` for the token lock); PostgreSQL and
SQL Server connections start a transaction implicitly and are committed by the caller.
"""

from __future__ import annotations

import re
import sqlite3
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import SplitResult, unquote, urlsplit

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
    """``sqlite:////abs/path.db`` (``sqlite:///rel/path.db``: relative to the working directory),
    ``postgresql://user@host:5432/db``, ``mssql://u:p@h:1433/db``."""
    parts = urlsplit(uri)
    dialect = _SCHEMES.get(parts.scheme.split("+")[0])
    if dialect is None:
        raise ConfigurationError(
            f"warehouse URI scheme {parts.scheme!r} is not supported; use sqlite, postgresql "
            "or mssql"
        )
    if dialect == "sqlite":
        return WarehouseTarget("sqlite", _sqlite_file(uri, parts))
    return WarehouseTarget(
        dialect, parts.path.lstrip("/"), parts.hostname, _port(uri, parts),
        unquote(parts.username) if parts.username else None,
        unquote(parts.password) if parts.password else None,
    )


def _sqlite_file(uri: str, parts: SplitResult) -> str:
    """The file of a sqlite URI, as SQLAlchemy and Airflow read it: ``sqlite://``, no host, then
    the path after one more slash. A host (``sqlite://relative.db``) or no path at all would
    give sqlite3 the name '', its temporary database, which forgets everything (the tokens
    among it) when closed; so both are refused, with the spellings that work."""
    path = unquote(parts.path)
    if parts.netloc or len(path) < 2:
        host = parts.netloc.rpartition("@")[2]
        problem = (f"{host!r} after sqlite:// is a host, not a file" if parts.netloc
                   else "it names no database file")
        raise ConfigurationError(
            f"warehouse URI {masked_uri(uri)!r}: {problem}; write sqlite:///relative/path.db "
            "(relative to the working directory) or sqlite:////absolute/path.db")
    return path[1:]


def _port(uri: str, parts: SplitResult) -> int | None:
    """The URI's port; one out of range, or not a number, is refused naming the URI."""
    try:
        port = parts.port
    except ValueError:  # urllib's "Port out of range 0-65535", or not a number at all
        port = -1
    if port is None or 0 < port < 65536:
        return port
    given = parts.netloc.rpartition("@")[2].rpartition(":")[2]
    raise ConfigurationError(
        f"warehouse URI {masked_uri(uri)!r}: port {given!r} is not a number from 1 to 65535; "
        "write the server's port, e.g. postgresql://user@host:5432/db or "
        "mssql://user:password@host:1433/db")


def masked_uri(uri: str) -> str:
    """The URI for a message, its password masked. Read by hand, not by urlsplit, which
    refuses some malformed URIs: those are the ones a message shows."""
    scheme, separator, rest = uri.partition("://")
    userinfo = re.split("[/?#]", rest, maxsplit=1)[0].rpartition("@")[0]
    if not separator or ":" not in userinfo:
        return uri
    return f"{scheme}://{userinfo.split(':', 1)[0]}:***@{rest[len(userinfo) + 1:]}"


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
