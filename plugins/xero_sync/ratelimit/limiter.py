"""The rate limiter the client asks before every call to an organisation.

``with limiter.call(tenant_id) as slot:`` waits until the ledger says Xero's limits allow the
call (the rolling-window arithmetic of :mod:`xero_sync.ratelimit.budget`), records its start,
and when the block ends records the answer and what Xero said is left. Thread-safe: one process
may sync several organisations at once through one limiter.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from xero_sync.ratelimit.budget import Verdict, XeroLimits
from xero_sync.ratelimit.ledger import CallKey, Ledger, MemoryLedger, Observation

log = logging.getLogger(__name__)

# How long an unanswered call holds its place among the 5 in flight: longer than a request may
# take (client.RetryPolicy.timeout, 10 + 120 s), so only a worker that died mid-call lets go.
DEFAULT_LEASE = 140.0
LOG_WAITS_FROM = 1.0  # seconds: shorter waits are logged at DEBUG only


@dataclass
class Slot:
    """One admitted call: when it started, how long it waited, and what Xero said."""

    key: CallKey
    started_at: float
    waited: float
    observation: Observation | None = None

    def observe(self, minute_remaining: int | None, app_remaining: int | None,
                retry_after: float | None = None) -> None:
        """Xero's ``X-MinLimit-Remaining`` and ``X-AppMinLimit-Remaining`` for this call, and
        its ``Retry-After`` if it refused the call for the minute limit."""
        self.observation = Observation(minute_remaining, app_remaining, retry_after)


class RateLimiter:
    """Paces one Xero app's calls per organisation through a (shared) ledger."""

    def __init__(self, app_key: str, ledger: Ledger | None = None,
                 limits: XeroLimits | None = None, *, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep,
                 lease: float = DEFAULT_LEASE) -> None:
        self.app_key = app_key
        self.ledger: Ledger = ledger or MemoryLedger()
        self.limits = limits or XeroLimits()
        self.clock = clock
        self.sleep = sleep
        self.lease = lease
        self.paced_seconds = 0.0  # waited for the budget, all threads together
        self.paced_calls = 0  # calls that had to wait
        self._not_before = 0.0
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def call(self, tenant_id: str) -> Iterator[Slot]:
        """Wait for the organisation's budget, then hold one of its places until the block
        ends (the answer has arrived, or the call failed)."""
        slot = self._admit(CallKey(self.app_key, tenant_id, uuid.uuid4().hex))
        try:
            yield slot
        finally:
            self._finish(slot)

    def _admit(self, key: CallKey) -> Slot:
        waited = 0.0
        while True:
            decision, now = self.ledger.start(key, self.now, self.limits, self.lease)
            if decision.go:
                if waited:
                    with self._lock:
                        self.paced_seconds += waited
                        self.paced_calls += 1
                return Slot(key, now, waited)
            self._wait(key, decision)
            waited += decision.wait

    def _wait(self, key: CallKey, decision: Verdict) -> None:
        level = logging.INFO if decision.wait >= LOG_WAITS_FROM else logging.DEBUG
        log.log(level, "organisation %s: Xero's %s limit is reached; next call in %.1f s",
                key.tenant_id, decision.limit, decision.wait)
        target = self.now() + decision.wait
        self.sleep(decision.wait)
        with self._lock:
            self._not_before = max(self._not_before, target)

    def _finish(self, slot: Slot) -> None:
        observed = slot.observation
        if observed is not None:
            with self._lock:
                self.limits = self.limits.raised_to(observed.minute_remaining,
                                                    observed.app_remaining)
        added = self.ledger.finish(slot.key, slot.started_at, self.now, self.limits, observed)
        if added:
            log.warning(
                "organisation %s: Xero counted %d call(s) this app's workers did not make here "
                "(another client of the same app, or a worker using another warehouse); "
                "pacing around them", slot.key.tenant_id, added)

    def now(self) -> float:
        """The clock, never behind the end of this limiter's own last wait.

        With a real clock that is just the clock. A test that gives the client a sleep that
        returns at once would otherwise see the same instant after every wait and wait again
        for ever; this way its pacing advances by the waits it asked for.
        """
        return max(self.clock(), self._not_before)
