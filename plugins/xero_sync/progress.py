"""How a run reads in the task log: sentences a data engineer reads, in one wording.

Airflow's log view is read in a pane, line by line, often after a failure. So each line says
what it is about first ("invoices for organisation <id>"), then what happened, in words and in
numbers with thousands separators (never a repr, never "page 3/?"). A failed task logs what to
do first, on a line of its own, and what happened after it: the fix is what the reader came
for, and a long message would push it out of view.

It imports nothing of the package, so every part of a run (extraction, load, the task) can
use the same wording.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# The organisation a sync in this context is for, and its name (``organisation_named``).
_NAMED: ContextVar[tuple[str, str] | None] = ContextVar("xero_sync_organisation", default=None)


@contextmanager
def organisation_named(tenant_id: str, name: str | None) -> Iterator[None]:
    """Within the block, lines about this organisation give its name beside its id. A
    context variable: each thread of a batch has its own, and the thread that reads pages
    ahead runs in a copy of its sync's context (``readahead``)."""
    token = _NAMED.set((tenant_id, name) if name and name != tenant_id else None)
    try:
        yield
    finally:
        _NAMED.reset(token)


def subject(object_name: str, tenant_id: str) -> str:
    """What a line is about: ``invoices for Demo Company (UK) (<id>)``, or ``invoices for
    organisation <id>`` where the name is not known."""
    named = _NAMED.get()
    if named is not None and named[0] == tenant_id:
        return f"{object_name} for {named[1]} ({tenant_id})"
    return f"{object_name} for organisation {tenant_id}"


def counted(number: int, thing: str, things: str | None = None) -> str:
    """``1 record``, ``1,000 records``."""
    return f"{number:,} {thing if number == 1 else things or thing + 's'}"


def calls_left(minute: int | None, day: int | None) -> str:
    """What Xero says this organisation may still call, as far as its headers said."""
    if minute is not None and day is not None:
        return f"Xero allows {minute:,} more calls this minute and {day:,} today"
    if minute is not None or day is not None:
        value, when = (minute, "this minute") if minute is not None else (day, "today")
        return f"Xero allows {value:,} more calls {when}"
    return ""


def page_read(object_name: str, tenant_id: str, number: int, pages: int | None, records: int,
              minute_left: int | None, day_left: int | None) -> str:
    """``invoices for organisation <id>: page 2 of 3 read, 1,000 records; Xero allows 57 more
    calls this minute and 4,990 today`` (``page 4 read`` where Xero gave no page count)."""
    of = f" of {pages:,}" if pages is not None and pages >= number else ""
    left = calls_left(minute_left, day_left)
    return (f"{subject(object_name, tenant_id)}: page {number:,}{of} read, "
            f"{counted(records, 'record')}{'; ' + left if left else ''}")


def failure(what: str, error: BaseException) -> str:
    """A failure for the log: its fix (``XeroSyncError.fix``) first, on its own line, then
    what failed and what happened. An error without a fix is named and told as it is."""
    fix = getattr(error, "fix", None)
    detail = getattr(error, "detail", None) or str(error)
    happened = f"{what} failed: {type(error).__name__}: {detail}"
    return f"{fix}\n{happened}" if fix else happened


@contextmanager
def fix_first(log: logging.Logger, what: str) -> Iterator[None]:
    """Log a failure of the block fix first (``failure``) and let it through: Airflow then
    fails the task (or retries it) as the error's class says, with the traceback below."""
    try:
        yield
    except Exception as error:
        log.error("%s", failure(what, error))
        raise
