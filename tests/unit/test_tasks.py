"""What a DAG run asks the sync for: its params, its type and its interval."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from airflow.sdk.api.datamodels._generated import DagRunType

from xero_sync.errors import ConfigurationError
from xero_sync.mapping import load_mapping
from xero_sync.tasks import build_request

INVOICES = load_mapping(Path(__file__).resolve().parents[2] / "include/mappings/invoices.yaml")
# A Tuesday hour: the invoices' weekly reconciliation (Sunday 02:30) is not due in it.
START, END = datetime(2026, 3, 3, 10, tzinfo=UTC), datetime(2026, 3, 3, 11, tzinfo=UTC)


def context(run_type: DagRunType, **params: Any) -> dict[str, Any]:
    """What the Task SDK hands a task, as far as build_request reads it."""
    dag_run = SimpleNamespace(run_id=f"{run_type.value}__2026-03-03T10:00:00+00:00",
                              run_type=run_type)
    return {"params": params, "dag_run": dag_run, "data_interval_start": START,
            "data_interval_end": END}


def test_a_backfill_run_reads_from_its_interval_start() -> None:
    request = build_request(INVOICES, "tenant", context(DagRunType.BACKFILL))
    assert request.modified_since == START
    assert not request.full_refresh


@pytest.mark.parametrize("run_type", [DagRunType.SCHEDULED, DagRunType.MANUAL,
                                      DagRunType.ASSET_TRIGGERED])
def test_other_runs_read_from_the_watermark(run_type: DagRunType) -> None:
    assert build_request(INVOICES, "tenant", context(run_type)).modified_since is None


def test_modified_since_param_wins_over_the_interval() -> None:
    request = build_request(INVOICES, "tenant", context(
        DagRunType.BACKFILL, modified_since="2026-01-31T00:00:00Z"))
    assert request.modified_since == datetime(2026, 1, 31, tzinfo=UTC)


def test_full_refresh_reads_everything_even_in_a_backfill() -> None:
    request = build_request(INVOICES, "tenant", context(DagRunType.BACKFILL, full_refresh=True))
    assert request.full_refresh and request.modified_since is None


@pytest.mark.parametrize(("value", "problem"), [
    ("0001-01-01T00:00:00+14:00", "outside the years 1 to 9999"),  # year 0 in UTC
    ("9999-12-31T23:59:59-05:00", "outside the years 1 to 9999"),  # year 10000 in UTC
    ("2099-01-01T00:00:00Z", "in the future"),  # would read nothing, yet succeed
    ("yesterday", "not an ISO-8601 time"),
])
def test_a_modified_since_no_run_can_read_from_is_a_configuration_error(
        value: str, problem: str) -> None:
    """Not a raw OverflowError, which Airflow would retry to the same end, nor a run that
    silently reads nothing: the error names the param, its value and what to give."""
    with pytest.raises(ConfigurationError) as refused:
        build_request(INVOICES, "tenant", context(DagRunType.MANUAL, modified_since=value))

    assert not refused.value.retryable
    assert f"param modified_since is {value!r}: " in str(refused.value)
    assert problem in str(refused.value)
    assert "expected an ISO-8601 time in the past such as 2026-01-31T00:00:00Z" in str(
        refused.value)


def test_a_modified_since_of_now_is_read() -> None:
    """The future is refused only beyond the clock skew allowed: now itself reads."""
    now = datetime.now(UTC).replace(microsecond=0)
    request = build_request(INVOICES, "tenant",
                            context(DagRunType.MANUAL, modified_since=now.isoformat()))
    assert request.modified_since == now
