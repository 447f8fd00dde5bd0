"""A batch made ready to load: one row per key (the newest wins), column lists per table.

A record edited while a sync pages through it shows up twice, usually the later copy newer,
but not always (page-number paging over a list that moves, a retried page, a server that
repeats itself). Within a batch the copy with the newest UpdatedDateUTC (the mapping's
``updated_field``) wins, as the warehouse's upsert decides between batches; between copies
equally new, or without a change time, the later one. Its child rows cannot be told apart
from the other copy's by looking at the child frames (both have position 0, 1, ...), so a
batch with duplicates is rebuilt by transforming the kept records again from their
``_raw_json``, which is the record exactly as Xero sent it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import InvalidOperation
from typing import Any

import pandas as pd

from xero_sync.mapping import ObjectMapping
from xero_sync.transform import CONVERTERS, Batch, Quarantined, transform
from xero_sync.warehouse.tables import TableSpec, child_table, parent_table
from xero_sync.warehouse.values import Converter, convert_column


@dataclass(frozen=True)
class Frame:
    """One table's rows of a batch, held column by column (the data columns only)."""

    spec: TableSpec
    columns: dict[str, list[Any]]

    @classmethod
    def of(cls, spec: TableSpec, frame: pd.DataFrame) -> Frame:
        """The frame's columns as plain Python lists, in the table's order."""
        return cls(spec, {name: frame[name].tolist() for name in spec.data_columns})

    @property
    def size(self) -> int:
        """Number of rows."""
        return len(next(iter(self.columns.values()), []))

    def rows(self, converters: Sequence[Converter] | None = None) -> list[tuple[Any, ...]]:
        """Row tuples in column order, each column through its converter if given."""
        values = list(self.columns.values())
        if converters is not None:
            values = [convert_column(column, convert)
                      for column, convert in zip(values, converters, strict=True)]
        return list(zip(*values, strict=True))

    def rows_between(self, start: int, stop: int) -> Frame:
        """Rows ``start`` to ``stop`` (exclusive)."""
        if start == 0 and stop >= self.size:
            return self
        return Frame(self.spec, {name: values[start:stop]
                                 for name, values in self.columns.items()})

    def where_in(self, column: str, keys: set[Any]) -> Frame:
        """Only the rows whose ``column`` is one of ``keys``."""
        if keys.issuperset(self.columns[column]):
            return self
        mask = [value in keys for value in self.columns[column]]
        return Frame(self.spec, {name: [v for v, keep in zip(values, mask, strict=True) if keep]
                                 for name, values in self.columns.items()})


@dataclass
class StagedBatch:
    """What a dialect loads: the parent rows, the child rows, the keys, the quarantined."""

    mapping: ObjectMapping
    tenant_id: str
    parent: Frame
    children: list[Frame]
    keys: list[Any]
    seen_keys: list[Any]  # keys plus the quarantined records' keys: all the source contained
    quarantined: list[Quarantined] = field(default_factory=list)

    @property
    def key_column(self) -> str:
        """The parent's Xero id column (also the first ancestor column of every child)."""
        return self.mapping.key_column


def stage(batch: Batch) -> StagedBatch:
    """De-duplicate by key (newest wins) and split the frames into column lists."""
    batch = deduplicated(batch)
    mapping = batch.mapping
    parent = Frame.of(parent_table(mapping), batch.parent)
    children = [Frame.of(child_table(mapping, child), batch.children[child.table])
                for child in mapping.all_children()]
    keys = parent.columns[mapping.key_column]
    return StagedBatch(mapping, batch.tenant_id, parent, children, keys,
                       _seen_keys(mapping, keys, batch.quarantined), list(batch.quarantined))


def deduplicated(batch: Batch) -> Batch:
    """The batch with one record per key, the newest (module docstring); unchanged when there
    are no duplicates."""
    keys = batch.parent[batch.mapping.key_column]
    if not keys.duplicated().any():
        return batch
    column = batch.mapping.updated_column
    updated = batch.parent[column].tolist() if column else [None] * len(keys)
    newest: dict[Any, int] = {}  # key -> row of the copy kept
    for row, (key, moment) in enumerate(zip(keys.tolist(), updated, strict=True)):
        kept = newest.get(key)
        if kept is None or not _older(moment, updated[kept]):
            newest[key] = row
    raws = batch.parent["_raw_json"].tolist()
    records = [json.loads(raws[row]) for row in sorted(newest.values())]
    rebuilt = transform(batch.mapping, batch.tenant_id, records)
    rebuilt.quarantined = [*batch.quarantined, *rebuilt.quarantined]
    return rebuilt


def _older(moment: Any, than: Any) -> bool:
    """Whether a change time is older than another; no time counts as older than any."""
    if moment is None or than is None:
        return moment is None and than is not None
    return bool(moment < than)


def _seen_keys(mapping: ObjectMapping, keys: list[Any],
               quarantined: list[Quarantined]) -> list[Any]:
    """A quarantined record still exists in Xero: a full snapshot must not mark it deleted."""
    column = next(c for c in mapping.columns if c.source == mapping.primary_key)
    seen = list(keys)
    known = set(keys)
    for record in quarantined:
        if record.record_key is None:
            continue
        try:
            key = CONVERTERS[column.type](record.record_key, column)
        except (ValueError, TypeError, InvalidOperation, OverflowError):
            continue  # a key the column cannot hold cannot match a stored row either
        if key not in known:
            known.add(key)
            seen.append(key)
    return seen
