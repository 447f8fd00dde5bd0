"""Xero's Microsoft JSON dates: ``/Date(<ms since epoch>[+-hhmm])/``.

The millisecond value is the true UTC instant; the optional offset only says in which zone the
value was meant. The sandbox writes ``+0000`` (as Xero does for almost every field) and reads any
offset, because If-Modified-Since filtering and ``where`` comparisons need the instant.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

_MS_DATE = re.compile(r"^/Date\((?P<ms>-?\d+)(?P<offset>[+-]\d{4})?\)/$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_ms(moment: datetime) -> int:
    """Milliseconds since the epoch of an aware datetime (naive means UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def from_ms(ms: int) -> datetime:
    """The aware UTC datetime of a millisecond epoch value (works before 1970 too)."""
    return _EPOCH + timedelta(milliseconds=ms)


def format_ms(ms: int) -> str:
    """Wire form of a timestamp field, e.g. ``/Date(1541176290160+0000)/``."""
    return f"/Date({ms}+0000)/"


def format_date(day: date) -> str:
    """Wire form of a date-only field: midnight UTC of that day."""
    return format_ms(to_ms(datetime(day.year, day.month, day.day, tzinfo=UTC)))


def parse_ms(text: str) -> int | None:
    """The UTC instant (ms) of an MS date string, or None when ``text`` is not one."""
    match = _MS_DATE.match(text)
    return int(match["ms"]) if match else None


def iso_no_zone(ms: int, fraction_digits: int = 0) -> str:
    """ISO-8601 without zone, as Xero's ``DateString`` twins and the identity API write them."""
    moment = from_ms(ms)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if fraction_digits:
        text += f".{moment.microsecond:06d}{'0' * 7}"[: fraction_digits + 1]
    return text
