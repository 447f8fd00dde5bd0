"""Many organisations per sync task, spread so that many DAGs due at once do not meet.

An accounting firm's app reaches hundreds of organisations, and every object has its DAG: 200
organisations * 25 DAGs is 5,000 syncs an hour. A task of its own for each costs Airflow about
a CPU-second (a process, the execution API, XComs, the scheduler's bookkeeping) for about one
API call of work. So a task syncs a batch of organisations
(``XERO_SYNC_ORGANISATIONS_PER_TASK``, default 20), several at a time on a small thread pool
(``XERO_SYNC_THREADS_PER_TASK``, default 5), each in its own sync with its own run lock,
watermark and ``_sync_runs`` row, exactly as a task of its own would.

Every DAG lists the organisations from a different starting point (``spread``): the offset of
DAG ``k`` is the fractional part of ``k * φ`` (the golden ratio) of the list, the most even
way to place any number of starts around a circle. Mapped tasks start in map-index order, so
without it every DAG would begin with the same organisation and pile onto its 5 calls in
flight while the others wait.

A failed organisation fails the task after the others are done, naming each failure; the
task's retry syncs only the organisations whose sync has no success recorded for this run in
``_sync_runs`` (``remaining``). The error is retryable unless every failure is one retrying
cannot fix (``OrganisationsNeedAction``: a person must act first).

Top-level imports stay light: the DAG file imports this module for the map index label.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from xero_sync.errors import ConfigurationError, XeroSyncError
from xero_sync.progress import failure

log = logging.getLogger(__name__)

PER_TASK_VARIABLE = "XERO_SYNC_ORGANISATIONS_PER_TASK"
THREADS_VARIABLE = "XERO_SYNC_THREADS_PER_TASK"
DEFAULT_PER_TASK = 20
DEFAULT_THREADS = 5
MAX_LABEL = 250  # Airflow stores a mapped task's label in a 250-character column
_GOLDEN = (math.sqrt(5) - 1) / 2  # 1/φ: k * this, modulo 1, spreads any k evenly


@dataclass(frozen=True)
class Organisation:
    """One organisation of a batch, as it travels between tasks (XCom): id and name."""

    tenant_id: str
    name: str

    def describe(self) -> str:
        """``Name (tenant id)``, as logs and labels show it."""
        return f"{self.name} ({self.tenant_id})" if self.name != self.tenant_id else self.name

    def to_xcom(self) -> dict[str, str]:
        """A JSON-serialisable form for XCom."""
        return {"tenant_id": self.tenant_id, "name": self.name}

    @classmethod
    def from_xcom(cls, value: dict[str, Any] | str) -> Organisation:
        """Back from XCom (a bare tenant id, as older runs pushed, has its id for a name)."""
        if isinstance(value, str):
            return cls(value, value)
        return cls(str(value["tenant_id"]), str(value.get("name") or value["tenant_id"]))


class OrganisationsFailed(XeroSyncError):
    """Some organisations of a task failed to sync; the others are stored. A retry syncs only
    the failed ones."""

    retryable = True
    fix = ("Nothing to do if the retry passes: it syncs only the organisations below. If it "
           "fails too, do what each line says.")

    def __init__(self, message: str, failed: Sequence[Organisation], *,
                 fix: str | None = None) -> None:
        super().__init__(message, fix=fix)
        self.failed = list(failed)


class OrganisationsNeedAction(OrganisationsFailed):
    """Every failure of the task is one retrying cannot fix (each message says what to do)."""

    retryable = False
    fix = "A person must act first: do what each organisation's line below says."


def _positive_int(variable: str, default: int, upper: int) -> int:
    value = os.environ.get(variable, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        number = 0
    if not 1 <= number <= upper:
        raise ConfigurationError(
            f"{variable} is {value!r}; expected a whole number from 1 to {upper} "
            f"(default {default}), or unset it")
    return number


def organisations_per_task() -> int:
    """``XERO_SYNC_ORGANISATIONS_PER_TASK``: organisations one sync task syncs (default 20;
    1 gives every organisation a task of its own, as before)."""
    return _positive_int(PER_TASK_VARIABLE, DEFAULT_PER_TASK, 1000)


def threads_per_task() -> int:
    """``XERO_SYNC_THREADS_PER_TASK``: organisations a task syncs at once (default 5)."""
    return _positive_int(THREADS_VARIABLE, DEFAULT_THREADS, 50)


def spread(organisations: Sequence[Organisation], dag_index: int) -> list[Organisation]:
    """The organisations rotated to DAG ``dag_index``'s starting point (golden-ratio offset),
    so that DAGs due together start on different organisations."""
    if not organisations:
        return []
    start = int(((dag_index * _GOLDEN) % 1.0) * len(organisations))
    return [*organisations[start:], *organisations[:start]]


def batches(organisations: Sequence[Organisation], size: int) -> list[list[Organisation]]:
    """Consecutive batches of at most ``size``, as even as the count allows (41 in batches of
    20 is 14 + 14 + 13, not 20 + 20 + 1)."""
    if not organisations:
        return []
    count = math.ceil(len(organisations) / size)
    base, extra = divmod(len(organisations), count)
    result, start = [], 0
    for index in range(count):
        end = start + base + (1 if index < extra else 0)
        result.append(list(organisations[start:end]))
        start = end
    return result


def label(organisations: Sequence[dict[str, Any] | str]) -> str:
    """The mapped task's label in the UI: the organisation's name and id, or for a batch how
    many and their names (cut to Airflow's 250 characters)."""
    chosen = [Organisation.from_xcom(value) for value in organisations]
    if len(chosen) == 1:
        text = chosen[0].describe()
    else:
        text = f"{len(chosen)} organisations: " + ", ".join(o.name for o in chosen)
    return text if len(text) <= MAX_LABEL else text[:MAX_LABEL - 1] + "…"


def run_batch(organisations: Sequence[Organisation], sync_one: Callable[[Organisation], Any],
              threads: int) -> list[Any]:
    """``sync_one`` for every organisation, ``threads`` at a time; the results in order.

    Every organisation is attempted whatever happens to the others; then, if any failed,
    ``OrganisationsFailed`` (or ``OrganisationsNeedAction``) names each with its error."""
    total = len(organisations)

    def attempt(numbered: tuple[int, Organisation]) -> tuple[Any, BaseException | None]:
        number, organisation = numbered
        log.info("organisation %d of %d: %s", number, total, organisation.describe())
        try:
            result = sync_one(organisation)
        except Exception as error:
            log.error("%s", failure(organisation.describe(), error))
            return None, error
        log.info("organisation %s: done", organisation.describe())
        return result, None

    with ThreadPoolExecutor(max_workers=max(1, min(threads, total)),
                            thread_name_prefix="xero-sync") as pool:
        outcomes = list(pool.map(attempt, enumerate(organisations, 1)))
    failures = [(o, error) for o, (_, error) in zip(organisations, outcomes, strict=True)
                if error is not None]
    if failures:
        raise _failed(failures, total)
    return [result for result, _ in outcomes]


def _failed(failures: list[tuple[Organisation, BaseException]], total: int) -> OrganisationsFailed:
    """The task's error: which organisations failed and why, each on its own line; a class
    the retry policy fails at once when retrying cannot help any of them."""
    from xero_sync.errors import not_retryable

    fatal = tuple(not_retryable())
    need_action = all(type(error) in fatal for _, error in failures)
    fixes = {getattr(error, "fix", None) for _, error in failures}
    shared = next(iter(fixes)) if len(fixes) == 1 else None  # one fix first, for them all
    lines = "\n".join(_failure_line(o, error, with_fix=shared is None) for o, error in failures)
    then = ("retrying cannot fix these: each message says what to do" if need_action else
            "the task's retry syncs only these; the others are stored")
    kind = OrganisationsNeedAction if need_action else OrganisationsFailed
    error = kind(f"{len(failures)} of {total} organisation(s) failed to sync ({then}):\n"
                 f"{lines}", [o for o, _ in failures], fix=shared)
    error.__cause__ = failures[0][1]
    return error


def _failure_line(organisation: Organisation, error: BaseException, with_fix: bool) -> str:
    """``- Name (id): Kind: what happened`` and, unless every failure shares one fix (then
    the error gives it first, once), what to do about this one."""
    detail = getattr(error, "detail", None) or str(error)
    fix = getattr(error, "fix", None) if with_fix else None
    return (f"- {organisation.describe()}: {type(error).__name__}: {detail}"
            + (f" What to do: {fix}" if fix else ""))
