"""Xero date values are read by one rule (see xero_sync.dates)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from xero_sync.dates import parse_xero_datetime


@pytest.mark.parametrize(("value", "expected"), [
    ("/Date(1541176290160+0000)/", datetime(2018, 11, 2, 16, 31, 30, 160000, tzinfo=UTC)),
    ("/Date(1541176290160)/", datetime(2018, 11, 2, 16, 31, 30, 160000, tzinfo=UTC)),
    ("\\/Date(1541176290160+0000)\\/", datetime(2018, 11, 2, 16, 31, 30, 160000, tzinfo=UTC)),
    ("/Date(1476389616437+1300)/", datetime(2016, 10, 13, 20, 13, 36, 437000, tzinfo=UTC)),
    ("/Date(0+0000)/", datetime(1970, 1, 1, tzinfo=UTC)),
    ("/Date(-1565568000000+0000)/", datetime(1920, 5, 23, tzinfo=UTC)),
    ("2020-03-18T21:20:07.7179250", datetime(2020, 3, 18, 21, 20, 7, 717925, tzinfo=UTC)),
    ("2020-02-06T12:17:43.202-08:00", datetime(2020, 2, 6, 20, 17, 43, 202000, tzinfo=UTC)),
    ("2018-11-02T16:31:30Z", datetime(2018, 11, 2, 16, 31, 30, tzinfo=UTC)),
])
def test_timestamps_are_utc_instants(value: str, expected: datetime) -> None:
    assert parse_xero_datetime(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("/Date(1539993600000+0000)/", date(2018, 10, 20)),
    ("/Date(1419937200000+1300)/", date(2014, 12, 31)),  # Xero's docs: add the offset
    ("/Date(1419937200000)/", date(2014, 12, 30)),
    ("/Date(0+0000)/", date(1970, 1, 1)),
    ("/Date(-1565568000000+0000)/", date(1920, 5, 23)),
    ("/Date(-1+0000)/", date(1969, 12, 31)),
    ("2018-10-20T00:00:00", date(2018, 10, 20)),
    ("2018-10-20", date(2018, 10, 20)),
])
def test_date_only_fields_are_calendar_dates(value: str, expected: date) -> None:
    assert parse_xero_datetime(value, date_only=True) == expected


@pytest.mark.parametrize("value", [None, ""])
def test_no_value_is_none(value: str | None) -> None:
    assert parse_xero_datetime(value) is None


@pytest.mark.parametrize("value", ["/Date(abc)/", "yesterday", "/Date(12+99)/", "2018-13-01"])
def test_garbage_is_refused_with_the_value(value: str) -> None:
    with pytest.raises(ValueError, match="not a Xero date"):
        parse_xero_datetime(value)


@pytest.mark.parametrize(("value", "date_only"), [
    ("/Date(99999999999999999999+0000)/", False), ("/Date(-99999999999999999999)/", True),
    ("/Date(253402300800000+0000)/", False), ("/Date(253402300799999+1400)/", True),
    ("9999-12-31T23:59:59-05:00", False)])
def test_dates_no_calendar_holds_are_refused_with_the_value(value: str, date_only: bool) -> None:
    with pytest.raises(ValueError, match=r"outside the years 1 to 9999: '.*Date|9999"):
        parse_xero_datetime(value, date_only=date_only)
