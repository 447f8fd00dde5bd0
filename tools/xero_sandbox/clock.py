"""The sandbox's notion of now: real time plus an offset that tests can move forward.

Token expiry, refresh-token grace periods and rolling rate-limit windows all read this clock, so
a test can cross a 30-minute or 60-day boundary with one admin call instead of waiting.
"""

from __future__ import annotations

import threading
import time


class Clock:
    """Wall-clock time shifted by an adjustable, never negative, offset."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        """Seconds since the epoch, as the sandbox sees them."""
        return time.time() + self._offset

    def now_ms(self) -> int:
        """Milliseconds since the epoch, as the sandbox sees them."""
        return int(self.now() * 1000)

    def advance(self, seconds: float) -> float:
        """Move time forward (never back: tokens and windows assume monotonic time)."""
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        with self._lock:
            self._offset += seconds
            return self._offset

    @property
    def offset(self) -> float:
        """How far ahead of real time the sandbox runs."""
        return self._offset

    def reset(self) -> None:
        """Back to real time."""
        with self._lock:
            self._offset = 0.0
