"""Injected failures, so clients can be proven to survive Xero's bad days.

A rule fires on a fraction of matching calls (``rate``, drawn from a seeded generator, so a
run is repeatable) or on exactly the Nth matching call (``nth``), at most ``count`` times.
Kinds: ``429_minute``, ``429_day``, ``500``, ``503``, ``drop`` (the request is processed, then
the connection is closed with no response: the lost-response case), ``slow`` and ``stall``
(token endpoint only: the sandbox's clock moves ``delay`` seconds on between issuing a token and
answering, as if the answer, or the starved client reading it, took that long, at no real
cost); and the malformed answers and parameter-ignoring servers of ``malformed.KINDS``.
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass

from xero_sandbox import malformed

KINDS = ("429_minute", "429_day", "500", "503", "drop", "slow", "stall", *malformed.KINDS)
TARGETS = ("api", "token", "any")


class FaultSpecError(ValueError):
    """A fault rule the sandbox cannot apply; the message names the field."""


@dataclass
class FaultRule:
    """One rule: which calls it matches and what it does to them."""

    kind: str
    rate: float = 0.0
    nth: int | None = None
    count: int | None = None
    target: str = "api"
    tenant: str | None = None
    path: str | None = None  # substring of the request path
    delay: float = 2.0  # seconds, for `slow` and `stall`
    seen: int = 0
    fired: int = 0

    def validate(self) -> None:
        """Refuse rules that would silently never fire."""
        if self.kind not in KINDS:
            raise FaultSpecError(f"kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if self.target not in TARGETS:
            raise FaultSpecError(f"target must be one of {', '.join(TARGETS)}")
        if self.nth is None and not 0 < self.rate <= 1:
            raise FaultSpecError("give either nth (>= 1) or a rate in (0, 1]")
        if self.nth is not None and self.nth < 1:
            raise FaultSpecError("nth counts calls from 1")
        if self.kind == "stall" and (self.target != "token" or self.delay < 0):
            raise FaultSpecError("stall applies to target token, with a delay >= 0")

    def matches(self, target: str, tenant: str | None, path: str) -> bool:
        """Whether this rule applies to a call at all."""
        if self.target != "any" and self.target != target:
            return False
        if self.tenant and self.tenant != tenant:
            return False
        return not (self.path and self.path not in path)


class Faults:
    """The active rules; decides, per call, which fault (if any) to inject."""

    def __init__(self, seed: int) -> None:
        self._rules: list[FaultRule] = []
        self._seed = seed
        self._random = random.Random(seed)  # noqa: S311 - repeatable faults, not security
        self._lock = threading.Lock()
        self.injected: dict[str, int] = {}

    def add(self, spec: dict[str, object]) -> FaultRule:
        """Add a rule from its JSON description."""
        allowed = {"kind", "rate", "nth", "count", "target", "tenant", "path", "delay"}
        unknown = set(spec) - allowed
        if unknown:
            raise FaultSpecError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        try:
            rule = FaultRule(**spec)  # type: ignore[arg-type]
        except TypeError as error:
            raise FaultSpecError(str(error)) from error
        rule.validate()
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        """Remove every rule (counters of injected faults are kept until reset)."""
        with self._lock:
            self._rules.clear()

    def reset(self) -> None:
        """Remove every rule, forget what was injected, and replay the same random draws."""
        with self._lock:
            self._rules.clear()
            self.injected.clear()
            self._random.seed(self._seed)

    def rules(self) -> list[dict[str, object]]:
        """The rules, as JSON-ready dicts, with how often each has fired."""
        with self._lock:
            return [asdict(rule) for rule in self._rules]

    def pick(self, target: str, tenant: str | None, path: str) -> FaultRule | None:
        """The fault to inject into this call, or None."""
        with self._lock:
            for rule in self._rules:
                if not rule.matches(target, tenant, path):
                    continue
                if rule.count is not None and rule.fired >= rule.count:
                    continue
                rule.seen += 1
                if self._fires(rule):
                    rule.fired += 1
                    self.injected[rule.kind] = self.injected.get(rule.kind, 0) + 1
                    return rule
            return None

    def _fires(self, rule: FaultRule) -> bool:
        if rule.nth is not None:
            return rule.seen == rule.nth
        return self._random.random() < rule.rate
