"""The dialect-neutral half of the token store: one row per Xero app, read and written under a lock.

Xero rotates the refresh token on every use, so two workers refreshing from the same row is the
classic ``invalid_grant`` (design decision 1). Every write therefore happens inside a
transaction that holds a lock on the app's row; the dialects (``token_store.py``) differ only in
how they take that lock and in their DDL. Token text is encrypted before it reaches SQL.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from xero_sync.auth.crypto import KeyMismatchError, TokenCipher
from xero_sync.auth.masking import mask_tokens, redact
from xero_sync.auth.tokens import TokenSet, TokenStatus, utcnow
from xero_sync.errors import ConfigurationError, TokenStoreError
from xero_sync.warehouse.locking import LOCK_TIMEOUT_SECONDS, LockingSession

log = logging.getLogger(__name__)

TABLE = "_oauth_tokens"
COLUMNS = (
    "access_token_encrypted", "refresh_token_encrypted", "expires_at", "scopes", "updated_at",
    "refreshed_at", "refresh_count", "last_error",
)
# Table names are built from this validated schema name and constants only; every value is a
# bound parameter. That is why the f-string SQL below carries ``noqa: S608``.
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
__all__ = ["LOCK_TIMEOUT_SECONDS", "LockedTokens", "TokenStore", "check_identifier"]


@dataclass(frozen=True)
class _Row:
    """A row as the driver returned it: tokens still encrypted, times still raw."""

    access_token: str | None
    refresh_token: str | None
    expires_at: Any
    scopes: str | None
    updated_at: Any
    refreshed_at: Any
    refresh_count: int | None
    last_error: str | None


def as_utc(value: Any) -> datetime | None:
    """A driver's timestamp (aware, naive UTC, or ISO text) as an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def check_identifier(schema: str) -> str:
    """The schema name, if it is safe to build SQL from; else a ConfigurationError."""
    if not _IDENTIFIER.match(schema):
        raise ConfigurationError(
            f"warehouse schema {schema!r} is not a plain SQL identifier (letters, digits, "
            "underscore); choose another schema name"
        )
    return schema


class TokenStore(LockingSession):
    """Tokens of Xero apps in the warehouse; subclasses supply the SQL of one dialect (and
    inherit the connection handling and locks of :mod:`xero_sync.warehouse.locking`)."""

    def __init__(self, connect: Callable[[], Any], cipher: TokenCipher, schema: str = "xero",
                 *, description: str = "", clock: Callable[[], datetime] = utcnow) -> None:
        super().__init__(connect)
        self.schema = check_identifier(schema)
        self.cipher = cipher
        self.description = description or self.dialect
        self.clock = clock

    # -- what dialects provide --------------------------------------------------------------

    @property
    def table(self) -> str:
        """The quoted table name."""
        raise NotImplementedError

    def ddl(self) -> list[str]:
        """Statements that create the schema and table if missing (idempotent)."""
        raise NotImplementedError

    def lock_ddl(self, cursor: Any) -> None:
        """Serialise concurrent ``ensure_table`` calls (CREATE … IF NOT EXISTS can race)."""
        raise NotImplementedError

    def prepare_lock(self, connection: Any, cursor: Any, app_key: str) -> None:
        """Anything needed before the lock, in its own transaction (PostgreSQL: the row)."""

    def lock(self, cursor: Any, app_key: str) -> None:
        """Start the transaction and take the app's lock."""
        raise NotImplementedError

    def select_sql(self, locked: bool) -> str:
        """Read one app's row; ``locked`` when inside :meth:`locked`."""
        where = f"app_key = {self.marker}"
        return f"SELECT {', '.join(COLUMNS)} FROM {self.table} WHERE {where}"  # noqa: S608

    def to_db_time(self, value: datetime | None) -> Any:
        """A UTC datetime as this driver stores it."""
        return value

    # -- SQL shared by every dialect --------------------------------------------------------

    def update_sql(self) -> str:
        """Overwrite every column of one app's row."""
        sets = ", ".join(f"{column} = {self.marker}" for column in COLUMNS)
        return f"UPDATE {self.table} SET {sets} WHERE app_key = {self.marker}"  # noqa: S608

    def insert_sql(self) -> str:
        """Add one app's row (only ever run while holding the app's lock)."""
        columns = ("app_key", *COLUMNS)
        markers = ", ".join(self.marker for _ in columns)
        return f"INSERT INTO {self.table} ({', '.join(columns)}) VALUES ({markers})"  # noqa: S608

    # -- the API ----------------------------------------------------------------------------

    def ensure_table(self) -> None:
        """Create the schema and table if they do not exist; safe to call from many workers."""
        with self._connection() as connection:
            cursor = connection.cursor()
            try:
                self.lock_ddl(cursor)
                for statement in self.ddl():
                    cursor.execute(statement)
                connection.commit()
            except self.driver_errors() as error:
                raise self._failure("create the token table", error) from error

    def load(self, app_key: str) -> TokenSet | None:
        """The app's tokens as last committed (no lock: for reading, never for refreshing)."""
        return self.decrypt(self._read(app_key))

    def status(self, app_key: str) -> TokenStatus | None:
        """The app's bookkeeping, never its tokens; None when the app has no row."""
        row = self._read(app_key)
        return None if row is None else status_of(app_key, row)

    def save(self, app_key: str, tokens: TokenSet, *, refreshed: bool = False,
             replace_undecryptable: bool = False) -> None:
        """Store tokens for an app under its lock (the authorize command uses this).

        ``replace_undecryptable`` overwrites a row the current key cannot decrypt (its key was
        lost); without it such a row raises :class:`KeyMismatchError`, as every read does.
        """
        with self.locked(app_key, replace_undecryptable=replace_undecryptable) as held:
            held.save(tokens, refreshed=refreshed)

    def readable(self, app_key: str) -> bool:
        """Whether the app's row, if any, decrypts with the current key (nothing is used)."""
        try:
            self.load(app_key)
        except KeyMismatchError:
            return False
        return True

    @contextlib.contextmanager
    def locked(self, app_key: str, *,
               replace_undecryptable: bool = False) -> Iterator[LockedTokens]:
        """Hold the app's lock; yields its row re-read under the lock, and a way to write it.

        Commits when the block ends. If the block raises after writing, the write is still
        committed: it records what Xero now holds (a rotated refresh token must not be lost).
        """
        with self._connection() as connection:
            cursor = connection.cursor()
            try:
                self.prepare_lock(connection, cursor, app_key)
                self.lock(cursor, app_key)
                cursor.execute(self.select_sql(locked=True), (app_key,))
                held = LockedTokens(self, cursor, app_key, _row(cursor.fetchone()),
                                    replace_undecryptable=replace_undecryptable)
            except self.driver_errors() as error:
                raise self._failure(f"lock the tokens of app {app_key}", error) from error
            try:
                yield held
            except BaseException:
                self._finish(connection, commit=held.written, quiet=True)
                raise
            self._finish(connection, commit=held.written, quiet=False)

    # -- helpers ----------------------------------------------------------------------------

    def decrypt(self, row: _Row | None) -> TokenSet | None:
        """The tokens of a row, or None when it holds none."""
        if row is None or row.access_token is None or row.expires_at is None:
            return None
        refresh = self.cipher.decrypt(row.refresh_token) if row.refresh_token else None
        expires_at = as_utc(row.expires_at)
        assert expires_at is not None
        tokens = TokenSet(self.cipher.decrypt(row.access_token), refresh, expires_at,
                          tuple((row.scopes or "").split()))
        mask_tokens(tokens)  # before any use: an error page may echo them
        return tokens

    def _read(self, app_key: str) -> _Row | None:
        with self._connection() as connection:
            try:
                cursor = connection.cursor()
                cursor.execute(self.select_sql(locked=False), (app_key,))
                row = _row(cursor.fetchone())
                connection.rollback()
            except self.driver_errors() as error:
                raise self._failure(f"read the tokens of app {app_key}", error) from error
            return row

    def _finish(self, connection: Any, *, commit: bool, quiet: bool) -> None:
        try:
            if commit:
                connection.commit()
            else:
                connection.rollback()
        except self.driver_errors() as error:
            if not quiet:
                raise self._failure("commit the tokens", error) from error
            log.error("token store %s: could not commit while failing: %s", self.description,
                      redact(str(error)))

    def _failure(self, action: str, error: BaseException) -> TokenStoreError:
        return TokenStoreError(
            f"token store {self.description} (table {self.table}): could not {action}: "
            f"{redact(str(error))}. "
            "Check that the warehouse connection xero_warehouse is reachable and that the "
            "authorize command has created the table"
        )


class LockedTokens:
    """One app's row read under its lock; :meth:`save` writes in the same transaction."""

    def __init__(self, store: TokenStore, cursor: Any, app_key: str, row: _Row | None, *,
                 replace_undecryptable: bool = False) -> None:
        self._store = store
        self._cursor = cursor
        self._row = row
        self.app_key = app_key
        self.written = False
        try:
            self.tokens = store.decrypt(row)
        except KeyMismatchError:
            if not replace_undecryptable:
                raise
            log.warning("app %s: replacing tokens the current key cannot decrypt", app_key)
            self.tokens = None

    def save(self, tokens: TokenSet, *, refreshed: bool) -> None:
        """Write new tokens; ``refreshed`` counts a refresh, otherwise a new authorization."""
        store, now = self._store, self._store.clock()
        count = ((self._row.refresh_count or 0) + 1 if self._row else 1) if refreshed else 0
        refresh = store.cipher.encrypt(tokens.refresh_token) if tokens.refresh_token else None
        values = (
            store.cipher.encrypt(tokens.access_token), refresh,
            store.to_db_time(tokens.expires_at), " ".join(tokens.scopes), store.to_db_time(now),
            store.to_db_time(now if refreshed else None), count, None,
        )
        self._write(values)

    def record_error(self, message: str) -> None:
        """Keep the tokens, note why they failed (``status`` shows it)."""
        row = self._row
        if row is None:
            return
        store = self._store
        values = (row.access_token, row.refresh_token, row.expires_at, row.scopes,
                  store.to_db_time(store.clock()), row.refreshed_at, row.refresh_count or 0,
                  redact(message)[:2000])
        self._write(values)

    def _write(self, values: tuple[Any, ...]) -> None:
        store = self._store
        try:
            if self._row is not None:
                self._cursor.execute(store.update_sql(), (*values, self.app_key))
            if self._row is None or self._cursor.rowcount == 0:
                self._cursor.execute(store.insert_sql(), (self.app_key, *values))
        except store.driver_errors() as error:
            raise store._failure(f"save the tokens of app {self.app_key}", error) from error
        self.written = True
        self._row = _Row(values[0], values[1], values[2], values[3], values[4], values[5],
                         values[6], values[7])


def status_of(app_key: str, row: _Row) -> TokenStatus:
    """The bookkeeping columns of a row, decoded."""
    return TokenStatus(
        app_key=app_key,
        has_tokens=row.access_token is not None,
        has_refresh_token=row.refresh_token is not None,
        expires_at=as_utc(row.expires_at),
        scopes=tuple((row.scopes or "").split()),
        updated_at=as_utc(row.updated_at),
        refreshed_at=as_utc(row.refreshed_at),
        refresh_count=int(row.refresh_count or 0),
        last_error=row.last_error,
    )


def _row(raw: Any) -> _Row | None:
    return None if raw is None else _Row(*raw)
