"""What the token store holds, as values that cannot leak a token by being printed.

``TokenSet`` keeps the tokens out of ``repr`` so a log line, a traceback or an XCom preview of
an object holding one shows ``TokenSet(expires_at=..., scopes=...)`` and nothing secret.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta


def utcnow() -> datetime:
    """The default clock: aware UTC now (tests substitute the sandbox's clock)."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class TokenSet:
    """An access token, the refresh token issued with it (None for client credentials)."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: datetime
    scopes: tuple[str, ...] = ()

    def seconds_left(self, now: datetime) -> float:
        """How long the access token still has, by the caller's clock."""
        return (self.expires_at - now).total_seconds()

    def fresh(self, now: datetime, margin: timedelta) -> bool:
        """Whether the access token outlives ``margin``: long enough to start a call with it."""
        return self.expires_at - now > margin


@dataclass(frozen=True)
class TokenStatus:
    """The row's bookkeeping, without the tokens: what ``status`` shows."""

    app_key: str
    has_tokens: bool
    has_refresh_token: bool
    expires_at: datetime | None
    scopes: tuple[str, ...]
    updated_at: datetime | None
    refreshed_at: datetime | None
    refresh_count: int
    last_error: str | None
