"""Every error this package raises, under one base class.

Each error says what happened (its message) and what to do (``fix``); the DAGs use the class
to decide whether a retry can help (``retryable``) or a person must act first.
"""

from __future__ import annotations


class XeroSyncError(Exception):
    """Base class. ``retryable`` is False when retrying cannot help until someone acts.

    ``fix`` is what a person does about it: a failed task logs it first, on a line of its own
    (``progress.failure``), where the log view shows it before the traceback. Each class has
    one; a raise site that knows better (the exact command, the time a limit resets) passes
    its own, and then the error's text starts with it too, on its own line, so it comes first
    in ``_sync_runs.error`` and at the foot of the traceback as well. ``detail`` is the message
    without it.
    """

    retryable = False
    fix = "See what happened below; the README's Runbook says what to do about each failure."

    def __init__(self, message: str = "", *, fix: str | None = None) -> None:
        self.detail = message
        if fix:
            self.fix = fix
        super().__init__(f"{fix}\n{message}" if fix else message)


class ConfigurationError(XeroSyncError):
    """A connection, mapping or setting is wrong; the message names it and the fix."""

    fix = ("Correct the connection, mapping file or setting named below, then clear this task "
           "to run it again (its retries cannot help).")


class ReauthorizationRequired(XeroSyncError):
    """Xero answered ``invalid_grant``: the stored refresh token is dead.

    Nothing automatic can recover from this: a person must run the ``authorize`` command again.
    """

    fix = ("Connect the Xero app again: run python -m xero_sync.auth authorize (README: Connect "
           "Xero); retrying cannot help.")


class NoOrganisationsConnected(ReauthorizationRequired):
    """Every organisation has disconnected the app: a run would sync nothing, yet look green.

    A person must connect them again (the ``authorize`` command), so retrying cannot help.
    """

    retryable = False


class DayLimitReached(XeroSyncError):
    """An organisation's daily call limit is spent; the message says when it resets."""

    fix = ("Nothing to do: the next run after the day limit resets resumes where this one "
           "stopped (the watermark is intact).")


class XeroApiError(XeroSyncError):
    """Xero refused a request in a way that retrying the same request will not fix."""

    fix = ("Xero refused the request as it stands (its answer below): correct what it names, "
           "then clear this task.")

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class XeroUnavailable(XeroSyncError):
    """Xero kept failing (5xx, dropped connections, minute limits) beyond the retry budget."""

    retryable = True
    fix = ("Nothing to do now: Airflow retries this task. If the retries fail too, check Xero's "
           "status page (https://status.developer.xero.com) and run it again later.")


class TokenStoreError(XeroSyncError):
    """The token store could not be read or written (database down, wrong key)."""

    retryable = True
    fix = ("Check that the warehouse holding the tokens (connection xero_warehouse) is up and "
           "reachable; Airflow retries this task.")


class RateLedgerError(XeroSyncError):
    """The shared record of API calls (the rate limiter's ledger) could not be read or
    written: the warehouse is down or refused the statement."""

    retryable = True
    fix = ("Check that the warehouse (connection xero_warehouse) is up and reachable; Airflow "
           "retries this task.")


class MalformedResponse(XeroSyncError):
    """Xero answered 200 with a body that is not what the API promises: empty, cut short, an
    HTML page, or JSON without the expected collection. It is never read as "no records" (a
    full snapshot would then mark every row deleted).

    ``transient`` bodies (a glitch explains them) are retried by the client with its backoff;
    what reaches the task has been retried already, so the task fails at once and the next
    scheduled run reads again from the watermark."""

    fix = ("Nothing to do if it passes: the next run reads again from the watermark. If it "
           "recurs, check Xero's status page (https://status.developer.xero.com).")

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


class PagingStalled(XeroSyncError):
    """Xero answered the next page with what was already read (it ignored ``page``,
    ``offset`` or If-Modified-Since), so reading on would spend the day's calls for nothing."""

    fix = ("If it recurs, check the mapping's paging and strategy, and Xero's status page; the "
           "next run reads on from the watermark.")


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
