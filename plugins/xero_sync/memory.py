"""Giving freed memory back to the operating system after each commit.

A sync frees everything a commit held (the page's records, its frames, the driver's buffers)
once it is committed, but the C allocator keeps freed memory for later unless its pages are
wholly free at the top of the heap. Large short-lived buffers make that worse: glibc serves a
first big block (a 2 MB response body, the text it decodes to) by ``mmap`` and hands it back
when freed, but then raises its threshold, so later ones come from the heap and leave holes
between the objects still alive. Each page then leaves a little more resident memory, and the
peak climbs with the page count rather than with the page size. ``malloc_trim(0)`` returns the
free pages of every arena (the read-ahead thread's too) at a cost of a few milliseconds, so a
run's peak stays that of one commit and the page read ahead (issue 13: at most 40 MB over the
process's baseline, measured by ``make bench``).

Only glibc has it (Linux, Airflow's images); elsewhere this does nothing.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable


def release_free_memory() -> None:
    """Hand the allocator's free pages back to the operating system, where it can."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim`` (from the symbols the interpreter is linked with), or None
    where the C library has none."""
    try:
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    return trim
