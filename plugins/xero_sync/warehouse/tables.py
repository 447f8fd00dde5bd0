"""The tables a mapping becomes, and the control tables, as dialect-neutral specs.

Every dialect renders the same specs, so SQL Server, PostgreSQL and SQLite hold the same columns
with the same keys; only the SQL types differ (``dialect.py``). Column order and names of the
data columns are those of ``transform`` (``parent_columns`` / ``child_columns``): the frames of a
batch map onto the tables one to one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from xero_sync.errors import ConfigurationError
from xero_sync.mapping import MAX_IDENTIFIER, ChildTable, Column, ObjectMapping
from xero_sync.transform import child_columns, child_key, parent_columns

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\Z")  # \Z: $ would let "name\n" through


@dataclass(frozen=True)
class ColumnSpec:
    """One column: its name, its mapping type (``mapping.COLUMN_TYPES``) and nullability."""

    name: str
    type: str
    length: int | None = None
    nullable: bool = True


@dataclass(frozen=True)
class TableSpec:
    """One table: unqualified name, columns in order, primary key."""

    name: str
    columns: tuple[ColumnSpec, ...]
    key: tuple[str, ...]

    @property
    def names(self) -> list[str]:
        """Column names in order."""
        return [column.name for column in self.columns]

    def column(self, name: str) -> ColumnSpec:
        """The column called ``name``."""
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"table {self.name} has no column {name}")

    @property
    def data_columns(self) -> list[str]:
        """The columns a batch frame supplies (all but the load's own bookkeeping)."""
        return [name for name in self.names if name not in LOAD_COLUMNS]


TENANT_ID = ColumnSpec("tenant_id", "guid", nullable=False)
LOADED_AT = ColumnSpec("_loaded_at", "timestamp", nullable=False)
RUN_ID = ColumnSpec("_run_id", "string", 250, nullable=False)
LOAD_COLUMNS = ("_loaded_at", "_run_id")
POSITION = ColumnSpec("_position", "integer", nullable=False)

SYNC_STATE = TableSpec("_sync_state", (
    ColumnSpec("object", "string", 100, nullable=False), TENANT_ID,
    ColumnSpec("watermark_ts", "timestamp"), ColumnSpec("watermark_int", "bigint"),
    ColumnSpec("last_run_id", "string", 250), ColumnSpec("updated_at", "timestamp"),
), ("object", "tenant_id"))

SYNC_RUNS = TableSpec("_sync_runs", (
    ColumnSpec("run_id", "string", 250, nullable=False),
    ColumnSpec("object", "string", 100, nullable=False), TENANT_ID,
    ColumnSpec("started_at", "timestamp"), ColumnSpec("finished_at", "timestamp"),
    ColumnSpec("status", "string", 20, nullable=False),
    *(ColumnSpec(name, "bigint") for name in ("calls", "pages", "inserted", "updated",
                                               "unchanged", "deleted", "child_rows",
                                               "quarantined")),
    ColumnSpec("error", "string"),
    # Added later, so ALTERed onto older tables: records still waiting in _quarantine.
    ColumnSpec("quarantine_waiting", "bigint"),
    # Added later too: the organisation's name in Xero (/connections), beside its id.
    ColumnSpec("tenant_name", "string", 255),
), ())

QUARANTINE = TableSpec("_quarantine", (
    TENANT_ID, ColumnSpec("object", "string", 100, nullable=False),
    ColumnSpec("record_key", "string"), ColumnSpec("reason", "string", nullable=False),
    ColumnSpec("raw_json", "json", nullable=False), ColumnSpec("run_id", "string", 250),
    ColumnSpec("quarantined_at", "timestamp", nullable=False),
), ())

# The keys a full snapshot has read so far, one row per key, written in the same transaction
# as each load: marking the rows it did not read depends on nothing another run can write.
SEEN_KEY_LENGTH = 300  # a SQL Server primary key holds at most 900 bytes
SYNC_SEEN = TableSpec("_sync_seen", (
    ColumnSpec("object", "string", 100, nullable=False), TENANT_ID,
    ColumnSpec("record_key", "string", SEEN_KEY_LENGTH, nullable=False),
    ColumnSpec("run_id", "string", 250),
), ("object", "tenant_id", "record_key"))

# Which run holds the run lock of an object and organisation (the lock itself is the
# database's: see SqlWarehouse.run_lock); read by a run that has to wait, for its log line.
SYNC_LOCKS = TableSpec("_sync_locks", (
    ColumnSpec("object", "string", 100, nullable=False), TENANT_ID,
    ColumnSpec("run_id", "string", 250, nullable=False), ColumnSpec("holder", "string", 250),
    ColumnSpec("acquired_at", "timestamp", nullable=False),
), ("object", "tenant_id"))

# Xero's webhook events, stored by the receiver before it answers Xero (one row per event,
# keyed by a digest of what identifies it, so a redelivery is stored once) and marked
# processed by the run that read their records (xero_sync.webhooks, warehouse/events.py).
EVENT_KEY_LENGTH = 64  # hex SHA-256
WEBHOOK_EVENTS = TableSpec("_webhook_events", (
    TENANT_ID, ColumnSpec("event_key", "string", EVENT_KEY_LENGTH, nullable=False),
    ColumnSpec("category", "string", 20, nullable=False),
    ColumnSpec("event_type", "string", 20, nullable=False),
    ColumnSpec("resource_id", "guid", nullable=False), ColumnSpec("event_date", "timestamp"),
    ColumnSpec("received_at", "timestamp", nullable=False),
    ColumnSpec("processed_at", "timestamp"), ColumnSpec("run_id", "string", 250),
    ColumnSpec("event_json", "json", nullable=False),
), ("tenant_id", "event_key"))

CONTROL_TABLES = (SYNC_STATE, SYNC_RUNS, QUARANTINE, SYNC_SEEN, SYNC_LOCKS, WEBHOOK_EVENTS)


def check_identifier(name: str, what: str) -> str:
    """Refuse a name that would need escaping or that PostgreSQL would truncate."""
    if not _IDENTIFIER.match(name) or len(name) > MAX_IDENTIFIER:
        raise ConfigurationError(
            f"{what} {name!r} is not a plain SQL identifier of at most {MAX_IDENTIFIER} "
            "characters (letters, digits, underscore); rename it (a column's `name` in the "
            "mapping, or the warehouse schema)"
        )
    return name


def parent_table(mapping: ObjectMapping) -> TableSpec:
    """``tenant_id`` + the mapping's columns + ``is_deleted``, ``_raw_json``, ``_loaded_at``,
    ``_run_id``; key (tenant_id, the Xero id)."""
    key = mapping.key_column
    columns = [TENANT_ID, *(_spec(c, nullable=c.name != key) for c in mapping.columns),
               ColumnSpec("is_deleted", "boolean", nullable=False),
               ColumnSpec("_raw_json", "json", nullable=False), LOADED_AT, RUN_ID]
    return _checked(TableSpec(mapping.table, tuple(columns), ("tenant_id", key)),
                    parent_columns(mapping))


def child_table(mapping: ObjectMapping, child: ChildTable) -> TableSpec:
    """The columns of ``transform.child_columns`` + ``_loaded_at``, ``_run_id``; key
    ``transform.child_key``."""
    key = child_key(mapping, child)
    known = _ancestor_specs(mapping, child)
    for column in child.columns:
        if column.name in known:
            raise ConfigurationError(
                f"{mapping.path}: child table {child.table}: column {column.name!r} has the "
                "name of a column that ties it to its parent; give it another `name`"
            )
        known[column.name] = _spec(column, nullable=column.name not in key)
    names = child_columns(mapping, child)
    columns = (*(known[name] for name in names), LOADED_AT, RUN_ID)
    return _checked(TableSpec(child.table, columns, tuple(key)), names)


def mapping_tables(mapping: ObjectMapping) -> list[TableSpec]:
    """The parent table, then every child table (parents before their children)."""
    return [parent_table(mapping), *(child_table(mapping, c) for c in mapping.all_children())]


def compared_columns(mapping: ObjectMapping) -> list[str]:
    """The parent columns whose difference makes a staged row an update (all but the key)."""
    key = {"tenant_id", mapping.key_column}
    return [name for name in parent_table(mapping).data_columns if name not in key]


def _spec(column: Column, *, nullable: bool) -> ColumnSpec:
    return ColumnSpec(column.name, column.type, column.length, nullable)


def _ancestor_specs(mapping: ObjectMapping, child: ChildTable) -> dict[str, ColumnSpec]:
    """tenant_id, the columns naming the parent rows (as ``transform.ancestor_columns``)."""
    root = next(c for c in mapping.columns if c.source == mapping.primary_key)
    specs = {"tenant_id": TENANT_ID, root.name: _spec(root, nullable=False),
             "_position": POSITION}
    for parent in mapping.all_children():
        if child in parent.children:
            if parent.key is None:
                specs["_parent_position"] = ColumnSpec("_parent_position", "integer",
                                                       nullable=False)
            else:
                own = next(c for c in parent.columns if c.source == parent.key)
                specs[own.name] = _spec(own, nullable=False)
    return specs


def _checked(spec: TableSpec, data_columns: list[str]) -> TableSpec:
    check_identifier(spec.name, "table")
    for name in spec.names:
        check_identifier(name, f"table {spec.name}: column")
    if spec.data_columns != data_columns:
        raise ConfigurationError(
            f"table {spec.name}: columns {spec.data_columns} differ from the batch's "
            f"{data_columns}; the mapping reuses a reserved column name"
        )
    return spec
