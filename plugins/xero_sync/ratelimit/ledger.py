"""Where the calls of the last minute are written down: the ledger the limiter consults.

A ledger answers two questions atomically: "may this call start now (and if so, it has)?" and
"this call is answered; here is what Xero said is left". Every worker that shares a ledger
shares each organisation's minute, so the ledger must be shared as widely as the workers are:
:class:`MemoryLedger` serves one process (its threads), ``warehouse_ledger.WarehouseLedger``
every process and worker that uses the same warehouse.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from xero_sync.ratelimit.budget import Usage, Verdict, XeroLimits, outside_calls, verdict

# How much wider than Xero's window the ledger looks when it compares its count with Xero's:
# at least the longest time a request takes to reach Xero, so that a call Xero still counts is
# never missing from ours (which would make it look like someone else's).
OBSERVATION_SLACK = 5.0
OUTSIDE = "outside"  # call_id prefix of calls Xero counted that no worker of ours made
Clock = Callable[[], float]  # seconds since the epoch; read once the ledger's lock is held


@dataclass(frozen=True)
class CallKey:
    """One call of one app for one organisation."""

    app_key: str
    tenant_id: str
    call_id: str


@dataclass(frozen=True)
class Observation:
    """What Xero's answer said about the budget (None where a header was absent)."""

    minute_remaining: int | None = None
    app_remaining: int | None = None
    retry_after: float | None = None  # set when Xero refused the call for the minute limit

    def outside_start(self, limits: XeroLimits, now: float) -> float:
        """When to record calls Xero counted and we did not: now, so they count for a whole
        window; after a 429, so that they leave it when ``Retry-After`` says the minute frees."""
        if self.retry_after is None:
            return now
        return min(now, now + self.retry_after - limits.span)


@dataclass(frozen=True)
class Outside:
    """How many calls to add as made elsewhere, per organisation and for the app alone."""

    org: int
    app: int


def surplus(observation: Observation | None, limits: XeroLimits, org_ours: int,
            app_ours: int) -> Outside:
    """Calls Xero counted beyond the ledger's own, for the organisation and the app."""
    if observation is None:
        return Outside(0, 0)
    org = outside_calls(limits.per_minute, observation.minute_remaining, org_ours)
    app = outside_calls(limits.app_per_minute, observation.app_remaining, app_ours + org)
    return Outside(org, app)


class Ledger(Protocol):
    """The shared record of calls (see the module docstring)."""

    def start(self, call: CallKey, clock: Clock, limits: XeroLimits,
              lease: float) -> tuple[Verdict, float]:
        """Record the call as started now if every limit allows it; else say how long to wait.
        Returns the verdict and the time it was made at (read under the ledger's lock, so the
        start recorded is never earlier than the moment the call was let go). ``lease``: how
        long an unanswered call counts as in flight (a worker that died mid-call must not hold
        a place for ever)."""
        ...

    def finish(self, call: CallKey, started_at: float, clock: Clock, limits: XeroLimits,
               observation: Observation | None) -> int:
        """The call is answered (or abandoned); returns how many outside calls were added."""
        ...


@dataclass
class _Entry:
    tenant_id: str
    call_id: str
    started_at: float
    busy_until: float | None


@dataclass
class MemoryLedger:
    """The ledger of one process, shared by its threads (the default without a warehouse)."""

    _calls: dict[str, list[_Entry]] = field(default_factory=dict)  # by app
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, call: CallKey, clock: Clock, limits: XeroLimits,
              lease: float) -> tuple[Verdict, float]:
        """See :class:`Ledger`."""
        with self._lock:
            now = clock()
            entries = self._pruned(call.app_key, now, limits)
            decision = verdict(usage_of(entries, call.tenant_id, now, limits), limits, now)
            if decision.go:
                entries.append(_Entry(call.tenant_id, call.call_id, now, now + lease))
            return decision, now

    def finish(self, call: CallKey, started_at: float, clock: Clock, limits: XeroLimits,
               observation: Observation | None) -> int:
        """See :class:`Ledger`."""
        with self._lock:
            now = clock()
            entries = self._pruned(call.app_key, now, limits)
            for entry in entries:
                if entry.call_id == call.call_id:
                    entry.busy_until = None
            since = started_at - limits.window - OBSERVATION_SLACK
            org = sum(1 for e in entries if e.tenant_id == call.tenant_id and e.started_at > since)
            extra = surplus(observation, limits, org, sum(e.started_at > since for e in entries))
            when = observation.outside_start(limits, now) if observation else now
            for index in range(extra.org + extra.app):
                tenant = call.tenant_id if index < extra.org else ""
                entries.append(_Entry(tenant, f"{OUTSIDE}-{call.call_id}-{index}", when, None))
            return extra.org + extra.app

    def _pruned(self, app_key: str, now: float, limits: XeroLimits) -> list[_Entry]:
        horizon = now - limits.span - OBSERVATION_SLACK
        entries = [e for e in self._calls.get(app_key, [])
                   if e.started_at > horizon or (e.busy_until or 0) > now]
        self._calls[app_key] = entries
        return entries


def usage_of(entries: list[_Entry], tenant_id: str, now: float, limits: XeroLimits) -> Usage:
    """The ledger's usage for one organisation and its app, from its entries."""
    horizon = now - limits.span
    org = [e.started_at for e in entries if e.tenant_id == tenant_id and e.started_at > horizon]
    app = [e.started_at for e in entries if e.started_at > horizon]
    busy = sum(1 for e in entries if e.tenant_id == tenant_id and (e.busy_until or 0) > now)
    return Usage(len(org), min(org, default=None), busy, len(app), min(app, default=None))
