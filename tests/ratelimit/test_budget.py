"""The limiter's arithmetic on a fake clock: calls start exactly when Xero's rolling minute
allows them, never sooner, and a sync of C calls ends near the floor 60 * floor((C-1)/60)."""

from __future__ import annotations

import math

import pytest

from xero_sync.ratelimit import MemoryLedger, RateLimiter, XeroLimits
from xero_sync.ratelimit.budget import CONCURRENCY_POLL, Usage, verdict


class FakeTime:
    """A clock that moves only when someone sleeps (or a call takes time)."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def limiter(fake: FakeTime, limits: XeroLimits | None = None,
            ledger: MemoryLedger | None = None) -> RateLimiter:
    return RateLimiter("app", ledger or MemoryLedger(), limits, clock=fake.clock,
                       sleep=fake.sleep)


def make_calls(rate: RateLimiter, fake: FakeTime, count: int, seconds_each: float,
               tenant: str = "org") -> list[float]:
    starts = []
    for _ in range(count):
        with rate.call(tenant) as slot:
            starts.append(slot.started_at)
            fake.now += seconds_each  # the call's own time: request, answer, load
    return starts


def test_a_window_with_room_lets_the_call_start_now() -> None:
    assert verdict(Usage(org_calls=59, org_oldest=0.0), XeroLimits(), now=10.0).go


def test_a_full_window_waits_for_its_oldest_call_to_leave() -> None:
    decision = verdict(Usage(org_calls=60, org_oldest=100.0), XeroLimits(), now=130.0)
    assert (decision.wait, decision.limit) == (100.0 + 60.5 - 130.0, "minute")


def test_the_app_minute_counts_every_organisation() -> None:
    limits = XeroLimits(app_per_minute=100)
    usage = Usage(org_calls=1, org_oldest=120.0, app_calls=100, app_oldest=110.0)
    assert verdict(usage, limits, now=130.0).wait == pytest.approx(110.0 + 60.5 - 130.0)


def test_five_in_flight_make_the_sixth_poll() -> None:
    decision = verdict(Usage(org_calls=5, org_oldest=129.0, in_flight=5), XeroLimits(), 130.0)
    assert (decision.wait, decision.limit) == (CONCURRENCY_POLL, "concurrent")


@pytest.mark.parametrize("calls", [61, 238, 600])
def test_calls_start_exactly_when_the_rolling_minute_allows(calls: int) -> None:
    fake = FakeTime()
    starts = make_calls(limiter(fake), fake, calls, seconds_each=0.1)
    for i in range(60, calls):
        allowed = starts[i - 60] + 60.5
        assert starts[i] >= allowed  # Xero's rule, with the margin
        assert starts[i] <= max(allowed, starts[i - 1] + 0.1) + 1e-9  # and not a moment later
    floor = 60 * math.floor((calls - 1) / 60)
    assert fake.now - 1_000.0 <= 1.10 * floor
    assert max(fake.slept) <= 60.5  # waits, never fixed pauses on top


def test_sixty_calls_in_a_burst_never_wait() -> None:
    fake = FakeTime()
    make_calls(limiter(fake), fake, 60, seconds_each=0.0)
    assert fake.slept == []


def test_organisations_have_their_own_minutes() -> None:
    fake = FakeTime()
    rate = limiter(fake)
    make_calls(rate, fake, 60, 0.0, tenant="a")
    make_calls(rate, fake, 60, 0.0, tenant="b")
    assert fake.slept == []
    make_calls(rate, fake, 1, 0.0, tenant="a")
    assert fake.slept == [pytest.approx(60.5)]


def test_two_limiters_on_one_ledger_share_the_minute() -> None:
    fake, shared = FakeTime(), MemoryLedger()
    first, second = limiter(fake, ledger=shared), limiter(fake, ledger=shared)
    make_calls(first, fake, 40, 0.0)
    make_calls(second, fake, 20, 0.0)
    assert fake.slept == []
    make_calls(second, fake, 1, 0.0)
    assert fake.slept == [pytest.approx(60.5)]


def test_calls_xero_counted_elsewhere_are_paced_around() -> None:
    fake = FakeTime()
    rate = limiter(fake)
    with rate.call("org") as slot:
        slot.observe(minute_remaining=0, app_remaining=9_999)  # someone else spent the minute
    make_calls(rate, fake, 1, 0.0)
    assert fake.slept and sum(fake.slept) >= 60.5


def test_a_refusal_paces_until_its_retry_after_not_a_whole_minute() -> None:
    fake = FakeTime()
    rate = limiter(fake)
    with rate.call("org") as slot:
        slot.observe(minute_remaining=0, app_remaining=None, retry_after=7)
    make_calls(rate, fake, 1, 0.0)
    assert sum(fake.slept) == pytest.approx(7.0)


def test_a_server_allowing_more_raises_the_limit_it_proves() -> None:
    fake = FakeTime()
    rate = limiter(fake)
    with rate.call("org") as slot:
        slot.observe(minute_remaining=999_999, app_remaining=5_000_000)
    assert (rate.limits.per_minute, rate.limits.app_per_minute) == (1_000_000, 5_000_001)
    make_calls(rate, fake, 500, 0.0)
    assert fake.slept == []


def test_what_xero_reports_never_lowers_a_limit_below_the_configured_one() -> None:
    fake = FakeTime()
    rate = limiter(fake)
    with rate.call("org") as slot:
        slot.observe(minute_remaining=59, app_remaining=9_999)
    assert rate.limits == XeroLimits()


def test_a_sleep_that_returns_at_once_still_advances_the_pacing() -> None:
    """A client given a no-op sleep (tests) must not wait for ever on a clock that stands still."""
    slept: list[float] = []
    rate = RateLimiter("app", limits=XeroLimits(per_minute=2), clock=lambda: 5_000.0,
                       sleep=slept.append)
    for _ in range(5):
        with rate.call("org"):
            pass
    assert len(slept) == 2 and rate.paced_calls == 2
