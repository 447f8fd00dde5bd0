"""The token store's three dialects, and the factory that picks one for a warehouse.

Table: ``<schema>._oauth_tokens`` (schema default ``xero``), one row per Xero app keyed by its
client id. SQLite has no schemas, so there the table is ``<schema>__oauth_tokens`` in the main
database (``xero__oauth_tokens``): one file, no ATTACH to keep in step across connections.

How each dialect serialises refreshes (design decision 1):

- SQLite: ``BEGIN IMMEDIATE`` takes the database's write lock before the row is read.
- PostgreSQL: the row is inserted if missing (``ON CONFLICT DO NOTHING``, committed on its own,
  so concurrent first users cannot collide), then ``SELECT … FOR UPDATE`` locks it.
- SQL Server: ``sp_getapplock`` with ``@LockOwner = 'Transaction'`` on a resource named after
  the app, so the lock exists even before the row does and is released by COMMIT; the read
  also takes ``UPDLOCK, HOLDLOCK`` so that a writer that skips the app lock still waits.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

from xero_sync.auth.crypto import TokenCipher
from xero_sync.auth.store_base import COLUMNS, LOCK_TIMEOUT_SECONDS, TABLE, LockedTokens, TokenStore
from xero_sync.errors import TokenStoreError
from xero_sync.warehouse.dbapi import WarehouseTarget, connect
from xero_sync.warehouse.locking import LockTimeout, MssqlSession, PostgresSession, SqliteSession

__all__ = ["LockedTokens", "MssqlTokenStore", "PostgresTokenStore", "SqliteTokenStore",
           "TokenStore", "token_store"]

_COLUMN_TYPES = {
    "sqlite": ("TEXT", "TEXT", "TEXT"),
    "postgres": ("VARCHAR(200)", "TEXT", "TIMESTAMPTZ"),
    "mssql": ("NVARCHAR(200)", "NVARCHAR(MAX)", "DATETIME2(3)"),
}


def _create_table(table: str, dialect: str) -> str:
    key, text, time = _COLUMN_TYPES[dialect]
    return (
        f"CREATE TABLE {table} (app_key {key} NOT NULL PRIMARY KEY, "
        f"access_token_encrypted {text} NULL, refresh_token_encrypted {text} NULL, "
        f"expires_at {time} NULL, scopes {text} NULL, updated_at {time} NULL, "
        f"refreshed_at {time} NULL, refresh_count INTEGER NOT NULL DEFAULT 0, "
        f"last_error {text} NULL)"
    )


class SqliteTokenStore(SqliteSession, TokenStore):
    """SQLite (the demo and tests): times as ISO-8601 UTC text."""

    @property
    def table(self) -> str:
        """SQLite has no schemas: the schema becomes a prefix."""
        return f'"{self.schema}_{TABLE}"'

    def ddl(self) -> list[str]:
        """One CREATE TABLE."""
        return [_create_table(self.table, self.dialect).replace(
            "CREATE TABLE", "CREATE TABLE IF NOT EXISTS", 1)]

    def lock_ddl(self, cursor: Any) -> None:
        """The write lock serialises DDL too."""
        self.lock_resource(cursor, TABLE)

    def lock(self, cursor: Any, app_key: str) -> None:
        """Take the database's write lock before reading (waits up to the busy timeout)."""
        self.lock_resource(cursor, app_key)

    def to_db_time(self, value: datetime | None) -> Any:
        """ISO text sorts and parses without the deprecated datetime adapters."""
        return None if value is None else value.astimezone(UTC).isoformat(timespec="microseconds")


class PostgresTokenStore(PostgresSession, TokenStore):
    """PostgreSQL: the row is created first, then locked with ``SELECT … FOR UPDATE``."""

    @property
    def table(self) -> str:
        """``"schema"."_oauth_tokens"``."""
        return f'"{self.schema}"."{TABLE}"'

    def ddl(self) -> list[str]:
        """Schema and table, both IF NOT EXISTS."""
        create = _create_table(self.table, self.dialect)
        return [f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"',
                create.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS", 1)]

    def lock_ddl(self, cursor: Any) -> None:
        """Concurrent CREATE … IF NOT EXISTS can still collide in the catalog: serialise it."""
        self.lock_resource(cursor, f"xero_sync:{self.schema}.{TABLE}")

    def prepare_lock(self, connection: Any, cursor: Any, app_key: str) -> None:
        """FOR UPDATE locks only rows that exist: insert the (empty) row first, committed."""
        insert = f"INSERT INTO {self.table} (app_key) VALUES (%s)"  # noqa: S608
        cursor.execute(f"{insert} ON CONFLICT (app_key) DO NOTHING", (app_key,))
        connection.commit()

    def lock(self, cursor: Any, app_key: str) -> None:
        """Bound the wait, so a stuck holder surfaces as an error rather than a hang."""
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT_SECONDS}s'")

    def select_sql(self, locked: bool) -> str:
        """``FOR UPDATE`` when locked."""
        return super().select_sql(locked) + (" FOR UPDATE" if locked else "")


class MssqlTokenStore(MssqlSession, TokenStore):
    """SQL Server: ``sp_getapplock`` owned by the transaction, then an UPDLOCK read."""

    @property
    def table(self) -> str:
        """``[schema].[_oauth_tokens]``."""
        return f"[{self.schema}].[{TABLE}]"

    def ddl(self) -> list[str]:
        """Schema and table if missing (CREATE SCHEMA must be alone in its batch: EXEC)."""
        return [
            f"IF SCHEMA_ID(N'{self.schema}') IS NULL EXEC(N'CREATE SCHEMA [{self.schema}]')",
            f"IF OBJECT_ID(N'{self.table}', N'U') IS NULL "
            + _create_table(self.table, self.dialect),
        ]

    def lock_ddl(self, cursor: Any) -> None:
        """The same app lock, on the table's name."""
        self._applock(cursor, f"xero_sync:{self.schema}.{TABLE}")

    def lock(self, cursor: Any, app_key: str) -> None:
        """pymssql has already begun the transaction (autocommit is off)."""
        self._applock(cursor, f"xero_sync:{self.schema}.{TABLE}:{app_key}")

    def select_sql(self, locked: bool) -> str:
        """``WITH (UPDLOCK, HOLDLOCK)`` when locked: a range lock even if the row is missing."""
        hint = " WITH (UPDLOCK, HOLDLOCK)" if locked else ""
        select = f"SELECT {', '.join(COLUMNS)} FROM {self.table}{hint}"  # noqa: S608
        return f"{select} WHERE app_key = {self.marker}"

    def to_db_time(self, value: datetime | None) -> Any:
        """DATETIME2 has no zone: naive UTC."""
        return None if value is None else value.astimezone(UTC).replace(tzinfo=None)

    def _applock(self, cursor: Any, resource: str) -> None:
        try:
            self.lock_resource(cursor, resource)
        except LockTimeout as error:
            raise TokenStoreError(f"token store {self.description}: {error}") from error


_DIALECTS: dict[str, type[TokenStore]] = {
    "sqlite": SqliteTokenStore, "postgres": PostgresTokenStore, "mssql": MssqlTokenStore,
}


def token_store(target: WarehouseTarget, cipher: TokenCipher | None = None,
                schema: str = "xero") -> TokenStore:
    """The token store of a warehouse; the cipher defaults to the configured Fernet key."""
    store_class = _DIALECTS[target.dialect]
    return store_class(functools.partial(connect, target),
                       cipher or TokenCipher.from_environment(), schema,
                       description=target.describe())
