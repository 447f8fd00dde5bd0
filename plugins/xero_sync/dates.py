"""The one place Xero's date values are read.

Xero writes dates in the legacy Microsoft JSON form ``/Date(<ms>[±hhmm])/`` on the Accounting and
Payroll (AU) APIs, and ISO-8601 without a zone on the identity API and in ``DateString`` twins.

The rule (see xero-api.md section 3):

* ``<ms>`` is always the true UTC instant; the optional offset says in which zone the value was
  entered. A **timestamp** (``UpdatedDateUTC``, ``CreatedDateUTC``, ...) is that instant, in UTC.
* A **date-only** field (``Date``, ``DueDate``, ``JournalDate``, ...) is the calendar date in the
  zone of the offset: ``(instant + offset).date()``, as Xero's documentation says. With Xero's
  usual ``+0000`` (midnight UTC) this equals the UTC date. This differs from the Python SDK,
  which takes the UTC date whatever the offset; for ``/Date(1419937200000+1300)/`` (31 Dec 2014
  in New Zealand) we give 2014-12-31 where the SDK gives 2014-12-30.
* Negative milliseconds are dates before 1970 and are read as such.
* ``/Date(0+0000)/``, which Xero sends for some voided invoices' ``Date`` and for some
  ``JournalDate`` values, is kept as what it says (1970-01-01), not turned into NULL: the value
  is Xero's, and the raw record is stored beside it for anyone who wants to treat it specially.
* ISO-8601 text without a zone is UTC; with a zone, a timestamp is converted to UTC and a
  date-only field keeps the calendar date as written.
* ``None`` and the empty string are "no value". Anything else that is not a date raises
  ``ValueError`` naming the value, so bad data is never silently stored as NULL; so does a
  date outside years 1 to 9999 (``/Date(99999999999999999999)/``), which no column holds.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

# How far past Xero's clock a change time is believed: a watermark never goes further
# (``sync``), and a stored version stamped further ahead never blocks a later one (the upserts'
# newer-wins guard): no real edit can be that far ahead, so the stamp is bad data.
MAX_CLOCK_SKEW = timedelta(minutes=5)

_MS_DATE = re.compile(
    r"^\\?/Date\((?P<ms>-?\d+)(?:(?P<sign>[+-])(?P<hh>\d{2})(?P<mm>\d{2}))?\)\\?/$"
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_xero_datetime(value: str | None, *, date_only: bool = False) -> datetime | date | None:
    """A Xero date value as a UTC ``datetime`` (timestamps) or a ``date`` (date-only fields)."""
    if value is None or value == "":
        return None
    try:
        return _parse(value, date_only)
    except OverflowError:
        raise ValueError(f"outside the years 1 to 9999: {value!r}") from None


def _parse(value: str, date_only: bool) -> datetime | date:
    match = _MS_DATE.match(value.strip())
    if match:
        instant = _EPOCH + timedelta(milliseconds=int(match["ms"]))
        if not date_only:
            return instant
        offset = _offset(match["sign"], match["hh"], match["mm"])
        return instant.astimezone(offset).date()
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"not a Xero date: {value!r}") from None
    if date_only:
        return parsed.date()  # the calendar date as written, as for MS dates with an offset
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _offset(sign: str | None, hours: str | None, minutes: str | None) -> timezone:
    if not sign or hours is None or minutes is None:
        return UTC
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    return timezone(delta if sign == "+" else -delta)
