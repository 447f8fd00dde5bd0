"""Every error this package raises, under one base class.

Each message says what happened and what the user must do; the DAGs use the class to decide
whether a retry can help (``retryable``) or a person must act first.
"""

from __future__ import annotations


class XeroSyncError(Exception):
    """Base class. ``retryable`` is False when retrying cannot help until someone acts."""

    retryable = False


class ConfigurationError(XeroSyncError):
    """A connection, mapping or setting is wrong; the message names it and the fix."""


class ReauthorizationRequired(XeroSyncError):
    """Xero answered ``invalid_grant``: the stored refresh token is dead.

    Nothing automatic can recover from this: a person must run the ``authorize`` command again.
    """


class NoOrganisationsConnected(ReauthorizationRequired):
    """Every organisation has disconnected the app: a run would sync nothing, yet look green.

    A person must connect them again (the ``authorize`` command), so retrying cannot help.
    """

    retryable = False


class DayLimitReached(XeroSyncError):
    """An organisation's daily call limit is spent; the message says when it resets."""


class XeroApiError(XeroSyncError):
    """Xero refused a request in a way that retrying the same request will not fix."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class XeroUnavailable(XeroSyncError):
    """Xero kept failing (5xx, dropped connections, minute limits) beyond the retry budget."""

    retryable = True


class TokenStoreError(XeroSyncError):
    """The token store could not be read or written (database down, wrong key)."""

    retryable = True


class RateLedgerError(XeroSyncError):
    """The shared record of API calls (the rate limiter's ledger) could not be read or
    written: the warehouse is down or refused the statement."""

    retryable = True


class MalformedResponse(XeroSyncError):
    """Xero answered 200 with a body that is not what the API promises: empty, cut short, an
    HTML page, or JSON without the expected collection. It is never read as "no records" (a
    full snapshot would then mark every row deleted).

    ``transient`` bodies (a glitch explains them) are retried by the client with its backoff;
    what reaches the task has been retried already, so the task fails at once and the next
    scheduled run reads again from the watermark."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


class PagingStalled(XeroSyncError):
    """Xero answered the next page with what was already read (it ignored ``page``,
    ``offset`` or If-Modified-Since), so reading on would spend the day's calls for nothing."""


def not_retryable() -> list[type[XeroSyncError]]:
    """Every error class loaded so far whose ``retryable`` is False (the DAGs' retry policy
    fails these at once), wherever it is defined: subclasses are found, not listed."""
    found: set[type[XeroSyncError]] = set()
    pending: list[type[XeroSyncError]] = [XeroSyncError]
    while pending:
        error = pending.pop()
        if not error.retryable:
            found.add(error)
        pending.extend(error.__subclasses__())
    return sorted(found, key=lambda error: f"{error.__module__}.{error.__qualname__}")
