"""Reading one page ahead: while the sync transforms and loads a page, a thread already
fetches the next one, so a run takes about the longer of reading and loading instead of
their sum (Xero answers a page of 1,000 invoices in a second or two; loading it takes as long).

Bounded to one page. The thread asks the source for page n+1 only once the sync has taken
page n, and for n+2 only once it has taken n+1: at most two pages are held (the one being
loaded and the one read ahead), and no call is made that reading in step would not make,
except the one page in flight when the sync stops early.

Nothing else changes. Pages arrive in the order the source yields them, each carrying the
watermark of the pages up to it, and the sync commits that watermark with that page's data in
its own thread, as before. Whatever the source raises (the day limit, a stalled paging, a
lost connection) is raised in the sync's thread, with its own type, when the sync asks for the
page that failed: every page before it has been handed over (and loaded) first. When the sync
stops early (a load failed, the task is killed), the thread is told to stop: it finishes the
call in flight, asks for nothing more and closes the source in its own thread.

Only the thread reads from the source, so the client, its token manager and the rate limiter
are used by one thread at a time, as before; each opens its own warehouse connection, apart
from the sync's. The thread runs in a copy of the caller's context (Airflow's log context).
"""

from __future__ import annotations

import contextvars
import logging
import queue
import threading
from collections.abc import Iterator
from types import TracebackType
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
STOP_WAIT_SECONDS = 30.0  # how long a stopping sync waits for the call in flight to end


class ReadAhead(Generic[T]):
    """The source's items, one read ahead in a thread; use it in a ``with`` block, which
    starts the thread and, however the block ends, stops it."""

    def __init__(self, source: Iterator[T], name: str = "xero-read-ahead") -> None:
        self._source = source
        self._handed: queue.SimpleQueue[tuple[str, T | BaseException | None]] = \
            queue.SimpleQueue()
        self._wanted = threading.Semaphore(1)  # items the thread may read before one is taken
        self._stop = threading.Event()
        self._finished = False
        context = contextvars.copy_context()
        self._thread = threading.Thread(target=context.run, args=(self._read,), name=name,
                                        daemon=True)

    def __enter__(self) -> ReadAhead[T]:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def __iter__(self) -> Iterator[T]:
        return self

    def __next__(self) -> T:
        """The next item, waiting for the thread if it is still reading it; the source's
        error where it failed."""
        if self._finished:
            raise StopIteration
        kind, value = self._handed.get()
        if kind == "item":
            self._wanted.release()  # taken: the thread may read the next one
            return value  # type: ignore[return-value]
        self._finished = True
        if kind == "failed":
            assert isinstance(value, BaseException)
            raise value
        raise StopIteration

    def close(self) -> None:
        """Tell the thread to stop and wait (bounded) for the call in flight to end."""
        self._finished = True
        self._stop.set()
        self._wanted.release()  # wake the thread if it waits for an item to be taken
        if not self._thread.is_alive():
            return
        self._thread.join(STOP_WAIT_SECONDS)
        if self._thread.is_alive():
            log.warning("the page read ahead is still being fetched after %.0f s; it is "
                        "discarded when it arrives and nothing more is read",
                        STOP_WAIT_SECONDS)

    def _read(self) -> None:
        """The thread: read an item whenever the one before it has been taken."""
        try:
            while True:
                self._wanted.acquire()
                if self._stop.is_set():
                    return
                try:
                    item = next(self._source)
                except StopIteration:
                    self._handed.put(("done", None))
                    return
                self._handed.put(("item", item))
                del item  # the sync's now: not held here while the next one is read
        except BaseException as error:  # handed to the sync's thread, which raises it
            self._handed.put(("failed", error))
        finally:
            self._close_source()

    def _close_source(self) -> None:
        """Run a generator's own clean-up, in the thread that ran it; a failure there is
        logged, never raised over the run's own outcome."""
        close = getattr(self._source, "close", None)
        if close is None:
            return
        try:
            close()
        except Exception as error:
            log.warning("closing the page source failed (%s: %s)", type(error).__name__, error)
