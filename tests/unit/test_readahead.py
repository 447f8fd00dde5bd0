"""Reading one page ahead (xero_sync.readahead): in order, overlapped, one item ahead and no
more, the source's errors raised where they happened, and a clean stop.

The source here is a generator that records what it was asked for and when, so overlap and
the bound are shown by events, not by timing: a test waits (bounded) for the thread to ask
for the next item, never for a duration to pass without it.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Iterator

import pytest

from xero_sync.errors import PagingStalled
from xero_sync.readahead import ReadAhead

WAIT = 10.0  # seconds: how long a test waits for the thread before it calls it a failure
SETTLE = 0.2  # seconds given to a wrongly unbounded thread to ask for one item too many


class Source:
    """Items 1..count; ``asked`` says how many the reader has asked for (``fail_at``: raise
    there instead); ``closed`` once the generator has run its clean-up."""

    def __init__(self, count: int, fail_at: int | None = None) -> None:
        self.count = count
        self.fail_at = fail_at
        self.asked = 0
        self.asked_from: list[str] = []
        self.asked_event: dict[int, threading.Event] = {
            n: threading.Event() for n in range(1, count + 2)}
        self.closed = threading.Event()

    def items(self) -> Iterator[int]:
        try:
            for number in range(1, self.count + 1):
                self.asked = number
                self.asked_from.append(threading.current_thread().name)
                self.asked_event[number].set()
                if number == self.fail_at:
                    raise PagingStalled(f"page {number} repeated the one before it")
                yield number
        finally:
            self.closed.set()

    def wait_asked(self, number: int) -> None:
        assert self.asked_event[number].wait(WAIT), f"item {number} was never asked for"


def test_items_arrive_in_order_then_the_end_repeats() -> None:
    source = Source(5)
    with ReadAhead(source.items()) as ahead:
        assert list(ahead) == [1, 2, 3, 4, 5]
        with pytest.raises(StopIteration):
            next(ahead)
    assert source.closed.is_set()


def test_the_next_item_is_read_while_the_current_one_is_being_used() -> None:
    source = Source(3)
    with ReadAhead(source.items(), name="reader") as ahead:
        assert next(ahead) == 1
        source.wait_asked(2)  # while item 1 is still held here: the overlap
        assert next(ahead) == 2
        source.wait_asked(3)
        assert list(ahead) == [3]
    assert set(source.asked_from) == {"reader"}  # the caller's thread never reads


def test_reading_stays_one_item_ahead_of_what_was_taken() -> None:
    source = Source(6)
    with ReadAhead(source.items()) as ahead:
        source.wait_asked(1)
        time.sleep(SETTLE)
        assert source.asked == 1  # nothing taken yet: only the first item is read
        for taken in range(1, 6):
            assert next(ahead) == taken
            source.wait_asked(taken + 1)
            time.sleep(SETTLE)  # an unbounded reader would ask for taken + 2 meanwhile
            assert source.asked == taken + 1


def test_the_sources_error_is_raised_after_every_item_before_it() -> None:
    source = Source(5, fail_at=3)
    got: list[int] = []
    with ReadAhead(source.items()) as ahead:
        got.append(next(ahead))
        got.append(next(ahead))
        with pytest.raises(PagingStalled) as raised:
            next(ahead)
    assert got == [1, 2]
    assert "page 3 repeated" in str(raised.value)
    assert source.asked == 3  # nothing was asked for after the failure
    with pytest.raises(StopIteration):
        next(ahead)


def test_stopping_early_asks_for_nothing_more_and_closes_the_source() -> None:
    source = Source(10)

    def load_that_fails(ahead: ReadAhead[int]) -> None:
        assert next(ahead) == 1
        source.wait_asked(2)
        raise RuntimeError("load failed")

    with ReadAhead(source.items()) as ahead, pytest.raises(RuntimeError, match="load failed"):
        load_that_fails(ahead)
    assert source.closed.wait(WAIT)
    assert source.asked == 2  # the item read ahead, and no other
    with pytest.raises(StopIteration):
        next(ahead)


def test_an_empty_source_ends_at_once() -> None:
    source = Source(0)
    with ReadAhead(source.items()) as ahead:
        assert list(ahead) == []
    assert source.closed.is_set()


def test_the_reader_runs_in_the_callers_context() -> None:
    tag: contextvars.ContextVar[str] = contextvars.ContextVar("tag", default="none")
    seen: list[str] = []

    def items() -> Iterator[int]:
        seen.append(tag.get())
        yield 1

    tag.set("task 42")
    with ReadAhead(items()) as ahead:
        assert list(ahead) == [1]
    assert seen == ["task 42"]
