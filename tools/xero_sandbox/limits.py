"""Xero's rate limits: per connection (an app and an organisation) 60 calls a rolling minute,
5,000 a rolling day and 5 in flight; per app 10,000 a minute (xero-api.md section 5: "Rate
limits apply to each connection"). Every response carries what is left; a call over a limit
gets 429 with ``Retry-After`` and ``X-Rate-Limit-Problem``.

A call counts from the moment it is admitted, for exactly the window's length: one admitted at
``t`` leaves a 60-second window at ``t + 60``, so call ``i`` of a connection is admitted no
earlier than call ``i - 60`` was, plus 60 seconds. Refused calls are not counted.
"""

from __future__ import annotations

import contextlib
import math
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from xero_sandbox.clock import Clock

MINUTE = 60.0
DAY = 86_400.0


@dataclass
class Limits:
    """The limits in force; tests shrink them to reach a limit in a few calls."""

    per_minute: int = 60
    per_day: int = 5_000
    concurrent: int = 5
    app_per_minute: int = 10_000


@dataclass
class Admission:
    """The verdict on one call: admitted (problem is None) or refused with a 429."""

    day_remaining: int
    minute_remaining: int
    app_minute_remaining: int
    problem: str | None = None
    retry_after: int = 0

    def headers(self) -> dict[str, str]:
        """The headers Xero puts on every response, plus the 429 ones when refused."""
        headers = {
            "X-DayLimit-Remaining": str(self.day_remaining),
            "X-MinLimit-Remaining": str(self.minute_remaining),
            "X-AppMinLimit-Remaining": str(self.app_minute_remaining),
        }
        if self.problem:
            headers["Retry-After"] = str(self.retry_after)
            headers["X-Rate-Limit-Problem"] = self.problem
        return headers


@dataclass
class _Window:
    """Timestamps of admitted calls in one rolling window."""

    length: float
    calls: deque[float] = field(default_factory=deque)

    def trim(self, now: float) -> None:
        while self.calls and self.calls[0] <= now - self.length:
            self.calls.popleft()

    def retry_after(self, now: float) -> int:
        """Whole seconds until the oldest call leaves the window (at least one)."""
        return max(1, math.ceil(self.calls[0] + self.length - now)) if self.calls else 1


class RateLimiter:
    """Counts calls per tenant and per app; thread-safe, on the sandbox clock."""

    def __init__(self, clock: Clock, limits: Limits | None = None) -> None:
        self.clock = clock
        self.limits = limits or Limits()
        # Keyed by connection (app, organisation), or by app for the app-wide minute.
        self._minute: dict[tuple[str, str], _Window] = {}
        self._day: dict[tuple[str, str], _Window] = {}
        self._app: dict[str, _Window] = {}
        self._in_flight: dict[tuple[str, str], int] = {}
        self._peak_in_flight = 0  # the most calls one connection has had in flight at once
        self._lock = threading.Lock()

    def admit(self, client_id: str, tenant_id: str) -> Admission:
        """Admit a call (counting it and marking it in flight) or say which limit refuses it."""
        with self._lock:
            now = self.clock.now()
            minute, day, app = self._windows(client_id, tenant_id, now)
            connection = (client_id, tenant_id)
            problem, retry_after = self._problem(minute, day, app, connection, now)
            if problem is None:
                for window in (minute, day, app):
                    window.calls.append(now)
                self._in_flight[connection] = self._in_flight.get(connection, 0) + 1
                self._peak_in_flight = max(self._peak_in_flight, self._in_flight[connection])
            return Admission(
                max(0, self.limits.per_day - len(day.calls)),
                max(0, self.limits.per_minute - len(minute.calls)),
                max(0, self.limits.app_per_minute - len(app.calls)),
                problem, retry_after,
            )

    def release(self, client_id: str, tenant_id: str) -> None:
        """The admitted call has been answered (or abandoned)."""
        with self._lock:
            connection = (client_id, tenant_id)
            self._in_flight[connection] = max(0, self._in_flight.get(connection, 0) - 1)

    def peak_in_flight(self) -> int:
        """The most calls admitted and not yet answered for one organisation (of one app) at
        any moment since the last reset: how hard the busiest organisation was pressed."""
        with self._lock:
            return self._peak_in_flight

    def remaining(self, client_id: str, tenant_id: str) -> Admission:
        """What is left, without counting a call (for injected faults' headers)."""
        with self._lock:
            minute, day, app = self._windows(client_id, tenant_id, self.clock.now())
            return Admission(
                max(0, self.limits.per_day - len(day.calls)),
                max(0, self.limits.per_minute - len(minute.calls)),
                max(0, self.limits.app_per_minute - len(app.calls)),
            )

    @contextlib.contextmanager
    def lifted(self) -> Iterator[None]:
        """No minute or day limit inside: for a test's own looking around (reading the truth,
        asking for hundreds of reports), which is not the traffic under test. On leaving, the
        limits are what they were and the windows empty, so those calls count against nothing."""
        kept = replace(self.limits)
        self.limits.per_minute = self.limits.per_day = 1_000_000
        try:
            yield
        finally:
            self.limits = kept
            self.reset()

    def reset(self) -> None:
        """Forget every call (a new day for every tenant)."""
        with self._lock:
            self._minute.clear()
            self._day.clear()
            self._app.clear()
            self._in_flight.clear()
            self._peak_in_flight = 0

    def _windows(
        self, client_id: str, tenant_id: str, now: float
    ) -> tuple[_Window, _Window, _Window]:
        minute = self._minute.setdefault((client_id, tenant_id), _Window(MINUTE))
        day = self._day.setdefault((client_id, tenant_id), _Window(DAY))
        app = self._app.setdefault(client_id, _Window(MINUTE))
        for window in (minute, day, app):
            window.trim(now)
        return minute, day, app

    def _problem(
        self, minute: _Window, day: _Window, app: _Window, connection: tuple[str, str],
        now: float,
    ) -> tuple[str | None, int]:
        """The first limit this call would break: the day outranks the minute, as in Xero."""
        if len(day.calls) >= self.limits.per_day:
            return "day", day.retry_after(now)
        if len(app.calls) >= self.limits.app_per_minute:
            return "appminute", app.retry_after(now)
        if len(minute.calls) >= self.limits.per_minute:
            return "minute", minute.retry_after(now)
        if self._in_flight.get(connection, 0) >= self.limits.concurrent:
            return "concurrent", 1
        return None, 0
