"""The arithmetic of Xero's rolling minute, free of clocks, threads and databases.

Xero counts calls per organisation (per app and organisation, strictly: per connection) in a
rolling 60-second window and allows 60 of them; 5 may be in flight at once; the app as a whole
may make 10,000 a minute (xero-api.md section 5). So call ``i`` may start no earlier than call
``i - 60`` started plus 60 seconds. Waiting for exactly that moment, and no longer, is what
lets C calls finish in the floor of ``60 * floor((C - 1) / 60)`` seconds; a fixed pause
whenever the budget looks low wastes time and still collides with other workers.

Every start is recorded here a little before the request reaches Xero, so windows are
widened by ``margin`` seconds: a call counts until ``start + window + margin``. The margin covers
the spread of request latencies and of the workers' clocks.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class XeroLimits:
    """Xero's published limits (the defaults), or what a connection overrides them with."""

    per_minute: int = 60
    concurrent: int = 5
    app_per_minute: int = 10_000
    window: float = 60.0  # seconds: Xero's "rolling 60 second window"
    margin: float = 0.5  # seconds added to every window (latency and clock spread)

    @property
    def span(self) -> float:
        """How long a call counts against the window, as this side records it."""
        return self.window + self.margin

    def raised_to(self, minute_remaining: int | None,
                  app_remaining: int | None) -> XeroLimits:
        """These limits, raised where a response proves the server allows more.

        After a call the server reports what is left *including* that call, so its limit is at
        least ``remaining + 1``. That lower bound is never wrong, so trusting it is safe; it is
        how a client learns that a test server (or a future Xero plan) allows more than 60.
        """
        per_minute, app = self.per_minute, self.app_per_minute
        if minute_remaining is not None:
            per_minute = max(per_minute, minute_remaining + 1)
        if app_remaining is not None:
            app = max(app, app_remaining + 1)
        if (per_minute, app) == (self.per_minute, self.app_per_minute):
            return self
        return XeroLimits(per_minute, self.concurrent, app, self.window, self.margin)


@dataclass(frozen=True)
class Usage:
    """What the shared ledger holds for one organisation and its app at one moment.

    ``*_calls`` count starts within the last ``span`` seconds; ``*_oldest`` is the earliest of
    them (None when there are none); ``in_flight`` counts calls not yet answered.
    """

    org_calls: int = 0
    org_oldest: float | None = None
    in_flight: int = 0
    app_calls: int = 0
    app_oldest: float | None = None


@dataclass(frozen=True)
class Verdict:
    """Whether a call may start now; if not, how long to wait and which limit says so."""

    wait: float
    limit: str | None = None  # "minute", "app minute" or "concurrent"

    @property
    def go(self) -> bool:
        """The call may start now."""
        return self.wait <= 0


GO = Verdict(0.0)
CONCURRENCY_POLL = 0.2  # seconds between looks at a full house of calls in flight


def verdict(usage: Usage, limits: XeroLimits, now: float) -> Verdict:
    """When the next call may start, given what the ledger holds.

    When a window is full, the earliest start is its oldest call's start plus the span: that
    call then leaves the window and frees one place. (If the window holds more calls than the
    limit, e.g. calls Xero reported that this side had not made, freeing one is not enough;
    the caller simply asks again after the wait, so this stays exact without sorting starts.)
    Concurrency has no such arithmetic: an answer ends a call, and answers take as long as
    they take, so a full house is polled for.
    """
    waits = []
    if usage.org_calls >= limits.per_minute and usage.org_oldest is not None:
        waits.append(Verdict(usage.org_oldest + limits.span - now, "minute"))
    if usage.app_calls >= limits.app_per_minute and usage.app_oldest is not None:
        waits.append(Verdict(usage.app_oldest + limits.span - now, "app minute"))
    longest = max(waits, key=lambda v: v.wait, default=GO)
    if not longest.go:
        return longest
    if usage.in_flight >= limits.concurrent:
        return Verdict(CONCURRENCY_POLL, "concurrent")
    return GO


def outside_calls(limit: int, remaining: int | None, ours: int) -> int:
    """Calls the server counted that the ledger does not hold (another client of the same app
    and organisation, or a worker that does not share this ledger).

    ``ours`` must be the ledger's count over a window at least as wide as the server's at the
    moment it answered, so that only real surplus shows: then the server's count ``limit -
    remaining`` exceeds it only by calls made elsewhere.
    """
    if remaining is None:
        return 0
    return max(0, limit - remaining - ours)
