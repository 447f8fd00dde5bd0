"""Python values of a batch → what a driver binds, exactly (never through float).

The batch holds ``Decimal``, ``date``, naive-UTC ``datetime``, ``bool``, ``int`` and ``str``.
PostgreSQL's driver binds those natively. SQLite has no decimal or date types, so they become
text that sorts and compares correctly ('139.3000', '2024-08-18', '2024-10-14 13:47:35.682');
SQL Server receives each batch as one JSON document, in which decimals are strings (JSON
numbers would pass through float) and booleans JSON booleans.

Converters are chosen once per column, not per value: a load converts millions of values.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

Converter = Callable[[Any], Any]


def decimal_text(value: Decimal) -> str:
    """Plain notation with the column's scale ('0.0000000100', never '1.00E-8')."""
    text = str(value)  # three times faster than format(); scientific only for tiny rates
    return format(value, "f") if "E" in text else text


def timestamp_text(value: datetime, separator: str = " ") -> str:
    """Milliseconds, four-digit year, no zone: fixed width, so text order is time order."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(sep=separator, timespec="milliseconds")


def _identity(value: Any) -> Any:
    return value


def _date_text(value: date) -> str:
    return value.isoformat()


def _json_timestamp(value: datetime) -> str:
    return timestamp_text(value, "T")


_SQLITE: dict[str, Converter] = {
    "money": decimal_text, "quantity": decimal_text, "rate": decimal_text, "boolean": int,
    "date": _date_text, "timestamp": timestamp_text,
}
_JSON: dict[str, Converter] = {
    "money": decimal_text, "quantity": decimal_text, "rate": decimal_text, "boolean": bool,
    "date": _date_text, "timestamp": _json_timestamp,
}


# PostgreSQL's COPY text format: backslash escapes, tab between columns, \N for NULL.
COPY_NULL = "\\N"


def _copy_text(value: str) -> str:
    # str.replace runs at memchr speed; str.translate looks up every character (10x slower
    # on the kilobytes of _raw_json).
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return (value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
                .replace("\r", "\\r"))
    return value


def _copy_boolean(value: bool) -> str:
    return "t" if value else "f"


_COPY: dict[str, Converter] = {
    "guid": _identity, "string": _copy_text, "json": _copy_text, "integer": str, "bigint": str,
    "money": decimal_text, "quantity": decimal_text, "rate": decimal_text,
    "boolean": _copy_boolean, "date": _date_text, "timestamp": timestamp_text,
}


def copy_converter(column_type: str) -> Converter:
    """How a value of a column of this type is written in a COPY … FROM STDIN text row
    (GUIDs are already lower-case text)."""
    return _COPY[column_type]


def sqlite_converter(column_type: str) -> Converter:
    """How a value of a column of this type is bound for SQLite."""
    return _SQLITE.get(column_type, _identity)


def json_converter(column_type: str) -> Converter:
    """How a value of a column of this type is written into SQL Server's JSON batch."""
    return _JSON.get(column_type, _identity)


def convert_column(values: Sequence[Any], converter: Converter) -> list[Any]:
    """Convert one column's values; None stays None."""
    if converter is _identity:
        return list(values)
    return [None if value is None else converter(value) for value in values]


def canonical(value: Any) -> Any:
    """Any driver's value (or a batch's) as comparable plain data, for tests and checks:
    UUIDs lower-case text, decimals and dates as the SQLite text, booleans 0/1."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, datetime):
        return timestamp_text(value)
    if isinstance(value, date):
        return value.isoformat()
    return value
