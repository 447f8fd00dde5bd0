"""Xero records → typed pandas DataFrames: one for the object, one per child table.

Values are converted to exactly what the warehouse column holds (``Decimal`` for money, dates
by the rule of ``xero_sync.dates``, lower-case GUIDs) so every dialect stores the same thing.
A record that cannot be stored exactly (a malformed GUID, a string longer than its column or
holding U+0000 or half of a UTF-16 surrogate pair, a child without its key, a number too large
for DECIMAL(19,4), a date no calendar holds, an item that is not an object at all) is
quarantined with its reason and its raw JSON, never silently altered and never allowed to break
the batch. The reason names the record (its id, or its place in the page) and the field.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

import pandas as pd

from xero_sync.dates import parse_xero_datetime
from xero_sync.mapping import ChildTable, Column, ObjectMapping
from xero_sync.strategies import JOURNAL_NUMBER, journal_number

Record = dict[str, Any]
_SCALES = {"money": (19, 4), "quantity": (19, 4), "rate": (28, 10)}
# Half of a UTF-16 surrogate pair: JSON can carry one ("\ud83d"), but no database encodes it.
_SURROGATE = re.compile("[\ud800-\udfff]")
# Numbers Xero sends as text: plain ASCII notation only (see _not_plain).
_INTEGER_TEXT = re.compile("[+-]?[0-9]+")
_DECIMAL_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_PLAIN_NUMBER_CHARACTERS = frozenset("0123456789+-.eE")


class ValueRefused(ValueError):
    """A value the column cannot hold exactly; the message says which and why."""


@dataclass(frozen=True)
class Quarantined:
    """A record left out of the load, with the reason and everything needed to retry it."""

    tenant_id: str
    object_name: str
    record_key: str | None
    reason: str
    raw_json: str


@dataclass
class Batch:
    """One page (or several) of one object for one organisation, ready to load."""

    mapping: ObjectMapping
    tenant_id: str
    parent: pd.DataFrame
    children: dict[str, pd.DataFrame] = field(default_factory=dict)
    quarantined: list[Quarantined] = field(default_factory=list)

    @property
    def keys(self) -> list[str]:
        """Xero ids of the records in the batch."""
        return list(self.parent[self.mapping.key_column])


def parent_columns(mapping: ObjectMapping) -> list[str]:
    """Column order of the object's frame (and table, before the load's own columns)."""
    return ["tenant_id", *(c.name for c in mapping.columns), "is_deleted", "_raw_json"]


def ancestor_columns(mapping: ObjectMapping, child: ChildTable) -> list[str]:
    """Columns that tie a child row to its parent (and grandparent) row."""
    chain = [mapping.key_column]
    for parent in mapping.all_children():
        if child in parent.children:
            chain.append(parent.key_column if parent.key else "_parent_position")
    return chain


def child_columns(mapping: ObjectMapping, child: ChildTable) -> list[str]:
    """Column order of a child table's frame."""
    own = [c.name for c in child.columns]
    return ["tenant_id", *ancestor_columns(mapping, child), "_position", *own]


def child_key(mapping: ObjectMapping, child: ChildTable) -> list[str]:
    """The child table's primary key."""
    return ["tenant_id", *ancestor_columns(mapping, child), child.key_column]


def transform(mapping: ObjectMapping, tenant_id: str, records: Sequence[Record]) -> Batch:
    """Convert records to frames; bad records go to ``quarantined`` with their reason."""
    parents: list[list[Any]] = []
    children: dict[str, list[list[Any]]] = {c.table: [] for c in mapping.all_children()}
    quarantined: list[Quarantined] = []
    for position, record in enumerate(records):
        try:
            row, rows_by_table = _convert_record(mapping, tenant_id, record, position)
        except ValueRefused as refusal:
            quarantined.append(_quarantined(mapping, tenant_id, record, refusal))
            continue
        parents.append(row)
        for table, rows in rows_by_table.items():
            children[table].extend(rows)
    frames = {c.table: pd.DataFrame(children[c.table], columns=child_columns(mapping, c),
                                    dtype=object)
              for c in mapping.all_children()}
    parent = pd.DataFrame(parents, columns=parent_columns(mapping), dtype=object)
    return Batch(mapping, tenant_id, parent, frames, quarantined)


def raw_json(record: Any) -> str:
    """The whole record as Xero sent it (fields a mapping does not name are kept here).

    Text stays readable (not ``\\u``-escaped), except half of a surrogate pair, which no
    database encodes: it is written as the JSON escape Xero sent, which reads back the same."""
    return _escape_surrogates(json.dumps(record, ensure_ascii=False, separators=(",", ":")))


def _escape_surrogates(text: str) -> str:
    if text.isascii() or not _SURROGATE.search(text):
        return text
    return _SURROGATE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def _storable(text: str) -> str:
    """Text every warehouse stores: U+0000 and lone surrogates spelt as JSON does."""
    return _escape_surrogates(text.replace("\x00", "\\u0000"))


def _quarantined(mapping: ObjectMapping, tenant_id: str, record: Any,
                 refusal: ValueRefused) -> Quarantined:
    """A refused record, with a reason naming it (by its id when it has one) and the field."""
    key = record.get(mapping.primary_key) if isinstance(record, dict) else None
    reason = str(refusal) if key is None else f"{mapping.primary_key} {_preview(key)}: {refusal}"
    return Quarantined(tenant_id, mapping.name, None if key is None else _storable(str(key)),
                       _storable(reason), raw_json(record))


def _convert_record(mapping: ObjectMapping, tenant_id: str, record: Any,
                    position: int) -> tuple[list[Any], dict[str, list[list[Any]]]]:
    if not isinstance(record, dict):
        kind = "null" if record is None else type(record).__name__
        raise ValueRefused(f"item {position} of {mapping.collection} is {kind}, not an object")
    key = record.get(mapping.primary_key)
    if key is None or key == "":
        raise ValueRefused(f"the record has no {mapping.primary_key}")
    if mapping.strategy == "journals" and journal_number(record) is None:
        raise ValueRefused(f"{JOURNAL_NUMBER}={_preview(record.get(JOURNAL_NUMBER))}: not a "
                           "whole number; journals are read in its order, so it must be one")
    values = _convert_columns(mapping.columns, record)
    deleted = mapping.deleted_field is not None and (
        _lookup(record, mapping.deleted_field.split(".")) in mapping.deleted_values)
    row = [tenant_id, *values, deleted, raw_json(record)]
    key_value = values[[c.source for c in mapping.columns].index(mapping.primary_key)]
    rows: dict[str, list[list[Any]]] = {}
    for child in mapping.children:
        _convert_children(child, record, [tenant_id, key_value], rows)
    return row, rows


def _convert_children(child: ChildTable, record: Record, ancestors: list[Any],
                      rows: dict[str, list[list[Any]]]) -> None:
    items = record.get(child.source)
    if items is None:  # absent or null: no items
        return
    if not isinstance(items, list):  # even {}, "", 0 or false: "no items" would be a guess
        raise ValueRefused(f"{child.source}={_preview(items)}: {type(items).__name__}, expected "
                           "a list of objects (or null for none)")
    seen: set[Any] = set()
    for position, item in enumerate(items):
        if not isinstance(item, dict):
            raise ValueRefused(f"{child.source}[{position}] is not an object")
        values = _convert_columns(child.columns, item)
        own_key = position
        if child.key is not None:
            own_key = values[[c.source for c in child.columns].index(child.key)]
            if own_key is None:
                raise ValueRefused(f"{child.source}[{position}] has no {child.key}")
        if own_key in seen:
            raise ValueRefused(f"{child.source} has {child.key} {own_key} twice")
        seen.add(own_key)
        rows.setdefault(child.table, []).append([*ancestors, position, *values])
        for grandchild in child.children:
            _convert_children(grandchild, item, [*ancestors, own_key], rows)


def _convert_columns(columns: tuple[Column, ...], record: Record) -> list[Any]:
    values = []
    for column, path, convert in _plan(columns):
        raw = record.get(path[0]) if len(path) == 1 else _lookup(record, path)
        try:
            values.append(None if raw is None else convert(raw, column))
        except (ValueError, TypeError, InvalidOperation, OverflowError) as error:
            raise ValueRefused(f"{column.source}={_preview(raw)}: {error}") from None
    return values


@functools.cache
def _plan(columns: tuple[Column, ...]) -> tuple[tuple[Column, tuple[str, ...], Converter], ...]:
    """Each column with its path and converter, looked up once per mapping, not per value."""
    return tuple((column, column.path, CONVERTERS[column.type]) for column in columns)


def _lookup(record: Record, path: Sequence[str]) -> Any:
    """The value at a dotted path; None when a step is absent or null. A step that holds
    something else (text, a number, a list) is refused: reading through it as if it were
    missing would store NULL for a record Xero sent in a shape the mapping does not expect."""
    value: Any = record
    for part in path:
        if not isinstance(value, dict):
            if value is None:
                return None
            raise _not_an_object(record, path)
        value = value.get(part)
    return value


def _not_an_object(record: Record, path: Sequence[str]) -> ValueRefused:
    """The refusal of a dotted path with a step that is not an object, naming that step (found
    again here, off the hot path, so that ``_lookup`` keeps no count of its steps)."""
    value: Any = record
    depth = 0
    while isinstance(value, dict):
        value = value.get(path[depth])
        depth += 1
    step = ".".join(path[:depth])
    return ValueRefused(f"{'.'.join(path)}: {step}={_preview(value)} is "
                        f"{type(value).__name__}, expected an object holding {path[depth]} "
                        "(or null)")


def _preview(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:77]}..."


def _guid(value: Any, column: Column) -> str:
    return str(uuid.UUID(str(value)))


def _string(value: Any, column: Column) -> str:
    if isinstance(value, dict | list):
        raise ValueRefused("an object where text was expected (map it as type json)")
    text = value if isinstance(value, str) else str(value)
    if "\x00" in text:
        # PostgreSQL text cannot hold it, and SQL Server's C clients end strings at it; one
        # rule for every warehouse keeps them equal. _raw_json keeps it, escaped.
        raise ValueRefused("contains U+0000 (NUL), which the warehouse cannot store exactly")
    lone = None if text.isascii() else _SURROGATE.search(text)
    if lone:
        # Half an emoji (a text cut between the two UTF-16 units of one character): no UTF-8
        # or UTF-16 column can hold it. _raw_json keeps it, escaped.
        raise ValueRefused(f"contains U+{ord(lone.group()):04X}, half of a UTF-16 surrogate "
                           "pair, which the warehouse cannot store")
    # NVARCHAR(n) counts UTF-16 code units: an emoji takes two.
    units = len(text.encode("utf-16-le")) // 2 if column.length is not None else 0
    if column.length is not None and units > column.length:
        raise ValueRefused(f"{units} UTF-16 characters do not fit the column's {column.length}")
    return text


def _integer(value: Any, column: Column) -> int:
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueRefused("not a whole number")
    if isinstance(value, str) and not _INTEGER_TEXT.fullmatch(value):
        raise _not_plain(value, "a whole number in ASCII digits, such as -12")
    number = int(value)
    limit = 2**31 if column.type == "integer" else 2**63
    if not -limit <= number < limit:
        raise ValueRefused(f"out of range for {column.type}")
    return number


def _decimal(value: Any, column: Column) -> Decimal:
    if isinstance(value, bool):
        raise ValueRefused("a boolean where a number was expected")
    if isinstance(value, str) and not _DECIMAL_TEXT.fullmatch(value):
        raise _not_plain(value, "a number in ASCII digits, such as -1234.5 or 1.5E-3")
    precision, scale = _SCALES[column.type]
    number = Decimal(str(value))
    if not number.is_finite():
        raise ValueRefused("not a finite number")
    quantised = number.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_EVEN)
    if quantised != number:
        raise ValueRefused(f"more than {scale} decimal places")
    if quantised.adjusted() >= precision - scale:
        raise ValueRefused(f"too large for DECIMAL({precision},{scale})")
    return quantised


def _not_plain(text: str, expected: str) -> ValueRefused:
    """Why a numeric string is refused: int() and Decimal() also read "1_000", spaces, and
    digits of other scripts (full-width, Arabic-Indic), which Xero never sends; storing what
    they make of them would alter the value silently. Names the first character outside plain
    notation."""
    odd = next((c for c in text if c not in _PLAIN_NUMBER_CHARACTERS), None)
    if odd is None:
        return ValueRefused(f"not {expected}")
    name = unicodedata.name(odd, "a control character")
    return ValueRefused(f"found U+{ord(odd):04X} {name}; expected {expected}")


def _boolean(value: Any, column: Column) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ValueRefused("not a boolean")


def _date(value: Any, column: Column) -> Any:
    return parse_xero_datetime(str(value), date_only=True)


def _timestamp(value: Any, column: Column) -> datetime | None:
    parsed = parse_xero_datetime(str(value))
    if not isinstance(parsed, datetime):
        return None
    # DATETIME2(3) holds milliseconds, UTC, without a zone.
    return parsed.replace(tzinfo=None, microsecond=parsed.microsecond // 1000 * 1000)


def _json(value: Any, column: Column) -> str:
    return raw_json(value)


Converter = Callable[[Any, Column], Any]
CONVERTERS: dict[str, Converter] = {
    "guid": _guid, "string": _string, "integer": _integer, "bigint": _integer,
    "money": _decimal, "quantity": _decimal, "rate": _decimal, "boolean": _boolean,
    "date": _date, "timestamp": _timestamp, "json": _json,
}
