"""The DAGs' retry policy comes from ``retryable`` alone: every error retrying cannot fix fails
the task at once, every other is retried, including error classes the DAG file never imports
and classes added after the policy was built."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest
from airflow.dag_processing.dagbag import DagBag
from airflow.sdk.definitions.retry_policy import RetryAction

import xero_sync
from xero_sync.dag_factory import RETRY_POLICY
from xero_sync.errors import TokenStoreError, XeroSyncError, XeroUnavailable, not_retryable

ROOT = Path(__file__).resolve().parents[2]


def every_error_class() -> list[type[XeroSyncError]]:
    """Every XeroSyncError subclass the package defines, in any of its modules."""
    for module in pkgutil.walk_packages(xero_sync.__path__, "xero_sync."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    found, pending = [], [XeroSyncError]
    while pending:
        error = pending.pop()
        if error.__module__.startswith("xero_sync"):
            found.append(error)
        pending.extend(error.__subclasses__())
    return found


def decision(error: type[BaseException]) -> RetryAction:
    instance = error.__new__(error)  # whatever its constructor needs: only its class counts
    return RETRY_POLICY.evaluate(instance, try_number=1, max_tries=4).action


ERRORS = every_error_class()


@pytest.mark.parametrize("error", ERRORS, ids=[e.__qualname__ for e in ERRORS])
def test_each_error_fails_at_once_exactly_when_retrying_cannot_fix_it(
        error: type[XeroSyncError]) -> None:
    expected = RetryAction.DEFAULT if error.retryable else RetryAction.FAIL
    assert decision(error) == expected


def test_the_errors_retrying_cannot_fix_include_auth_malformed_answers_and_stalls() -> None:
    names = {e.__qualname__ for e in not_retryable()}
    assert {"KeyMismatchError", "MalformedResponse", "PagingStalled", "ConfigurationError",
            "MappingError", "ReauthorizationRequired", "DayLimitReached",
            "XeroApiError"} <= names
    assert {"XeroUnavailable", "TokenStoreError", "WarehouseError"}.isdisjoint(names)


def test_a_class_defined_later_is_picked_up_by_its_retryable() -> None:
    class FernetKeyLost(TokenStoreError):  # as an error added to auth/ would be
        retryable = False

    class StillBusy(FernetKeyLost):
        retryable = True

    assert decision(FernetKeyLost) == RetryAction.FAIL
    assert decision(StillBusy) == RetryAction.DEFAULT
    assert decision(XeroUnavailable) == RetryAction.DEFAULT
    assert decision(RuntimeError) == RetryAction.DEFAULT


def test_every_task_of_every_dag_uses_the_policy() -> None:
    dags = DagBag(dag_folder=str(ROOT / "dags")).dags
    assert dags
    for dag in dags.values():
        for task in dag.tasks:
            assert task.retry_policy is not None, f"{dag.dag_id}.{task.task_id}"
            assert type(task.retry_policy) is type(RETRY_POLICY)
