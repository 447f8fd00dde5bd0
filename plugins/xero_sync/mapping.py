"""Mapping files (``include/mappings/*.yaml``): the typed loader and its validator.

A mapping is data: which Xero object, how to extract it, which columns and child tables it
becomes. Everything else (DAGs, DDL, staging, upsert) is derived from it, so adding an object
is adding one file. A bad file is refused with the file, the field, what was found and what
was expected, because a DAG that silently disappears is the worst failure a user can meet.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, NoReturn

import yaml

from xero_sync.errors import ConfigurationError
from xero_sync.strategies import STRATEGIES, ExtractSpec

# The project's own mapping files (include/mappings), for code that runs outside a DAG file.
PROJECT_MAPPINGS = Path(__file__).resolve().parents[2] / "include" / "mappings"

COLUMN_TYPES = ("guid", "string", "integer", "bigint", "money", "quantity", "rate", "boolean",
                "date", "timestamp", "json")
APIS = ("accounting", "payroll_au")
PAGING = ("none", "page", "page_size")
# Xero's webhook event categories for an organisation's records (xero-api.md section 7).
WEBHOOK_CATEGORIES = ("CONTACT", "INVOICE", "CREDITNOTE")
# \Z, not $: $ also matches before a final newline, and "name\n" is not a name.
_NAME = re.compile(r"^[a-z][a-z0-9_]*\Z")
_SOURCE = re.compile(r"^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*\Z")
_FIELD = re.compile(r"^[A-Za-z][A-Za-z0-9]*\Z")  # one Xero field, resource or parameter name
_CRON = re.compile(r"^(@(hourly|daily|weekly|monthly)|(\S+\s+){4}\S+)\Z")
# PostgreSQL silently truncates longer identifiers, which could merge two columns into one.
MAX_IDENTIFIER = 63
SNAKE_CASE = (f"snake_case: lower-case letters, digits and _, at most {MAX_IDENTIFIER} "
              "characters")
_TOP_FIELDS = {
    "name", "description", "api", "resource", "collection", "primary_key", "strategy",
    "updated_field", "paging", "params", "deleted_statuses", "schedule", "reconcile_schedule",
    "columns", "children", "webhooks", "ids_filter", "read_each_by_id",
}
_CHILD_FIELDS = {"table", "source", "key", "columns", "children"}
_COLUMN_FIELDS = {"source", "name", "type", "length"}
MAX_DEPTH = 2  # child and grandchild: transform ties rows to their parent and grandparent
RESERVED_COLUMNS = ("tenant_id", "is_deleted", "_raw_json", "_loaded_at", "_run_id",
                    "_position", "_parent_position")
# Names the project itself gives to objects in the warehouse schema: the reporting layer's
# views, functions and tables (warehouse/reporting.py) and the report snapshots' tables
# (warehouse/snapshots.py); "reports" is xero__reports, the snapshots' DAG. A mapping or child
# table of one of these names would collide with them (a test keeps this list complete).
RESERVED_TABLES = (
    "reports", "report_snapshots", "report_snapshot_lines", "reporting_status", "dim_accounts",
    "dim_contacts", "dim_tracking_options", "dim_dates", "general_ledger", "ledger_daily",
    "trial_balance", "profit_and_loss", "profit_and_loss_by_month", "balance_sheet",
    "aged_receivables", "aged_payables", "aged_summary",
)


class MappingError(ConfigurationError):
    """A mapping file that cannot be used; the message names file, field, found, expected."""


def snake_case(name: str) -> str:
    """``UpdatedDateUTC`` → ``updated_date_utc``, ``InvoiceID`` → ``invoice_id``."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", spaced)
    return spaced.replace(".", "_").lower()


@dataclass(frozen=True)
class Column:
    """One column: where its value comes from in the record, its name and its type."""

    source: str
    name: str
    type: str
    length: int | None = None

    @cached_property
    def path(self) -> tuple[str, ...]:
        """The source as a path into nested objects (computed once: every value looks it up)."""
        return tuple(self.source.split("."))


@dataclass(frozen=True)
class ChildTable:
    """A table made of one nested collection (line items, their tracking, addresses...)."""

    table: str
    source: str
    key: str | None  # the child's own id field; None: rows are keyed by position
    columns: tuple[Column, ...]
    children: tuple[ChildTable, ...] = ()

    @property
    def key_column(self) -> str:
        """The column that identifies a row among its siblings."""
        if self.key is None:
            return "_position"
        return next(c.name for c in self.columns if c.source == self.key)


@dataclass(frozen=True)
class ObjectMapping:
    """One Xero object: how to extract it and the tables it lands in."""

    name: str
    description: str
    api: str
    resource: str
    collection: str
    primary_key: str
    strategy: str
    updated_field: str | None
    paging: str
    schedule: str
    columns: tuple[Column, ...]
    children: tuple[ChildTable, ...] = ()
    params: MappingABC[str, str] = field(default_factory=dict)
    deleted_field: str | None = None
    deleted_values: tuple[str, ...] = ()
    reconcile_schedule: str | None = None
    # Xero's webhook category: its events also run the DAG, which then reads the changed
    # records by id (xero_sync.webhooks); None: schedule only.
    webhooks: str | None = None
    # The list filter that takes ids (Xero's ``IDs`` on Invoices and Contacts); None: the
    # records are asked for with ``where`` (``<key>==Guid("…") OR …``).
    ids_filter: str | None = None
    # The list gives a summary (Payroll AU employees): each record is read again by id.
    read_each_by_id: bool = False
    path: str = ""

    @property
    def table(self) -> str:
        """The parent table's name (in the warehouse schema)."""
        return self.name

    @property
    def key_column(self) -> str:
        """The column holding Xero's id of the record."""
        return next(c.name for c in self.columns if c.source == self.primary_key)

    @property
    def updated_column(self) -> str | None:
        """The column holding UpdatedDateUTC (the upsert's newer-wins guard), if any."""
        if self.updated_field is None:
            return None
        return next((c.name for c in self.columns if c.source == self.updated_field), None)

    def all_children(self) -> list[ChildTable]:
        """Every child table, depth first (parents before their children)."""
        found: list[ChildTable] = []

        def walk(children: tuple[ChildTable, ...]) -> None:
            for child in children:
                found.append(child)
                walk(child.children)

        walk(self.children)
        return found

    def extract_spec(self) -> ExtractSpec:
        """What the extractor needs from this mapping."""
        return ExtractSpec(self.name, self.resource, self.collection, self.strategy, self.api,
                           self.updated_field, self.paging != "none",
                           self.paging == "page_size", dict(self.params), self.primary_key,
                           self.ids_filter, read_each_by_id=self.read_each_by_id)


@dataclass(frozen=True)
class BrokenMapping:
    """A file in the mappings directory that cannot be used, and the validator's reason."""

    path: Path
    error: MappingError


def load_mappings(directory: Path | str) -> list[ObjectMapping]:
    """Every ``*.yaml`` in a directory, validated, sorted by name; table names unique.

    Strict: the first unusable file raises. The DAGs use :func:`load_mapping_files` instead,
    so that one broken file stops only its own object.
    """
    mappings, broken = load_mapping_files(directory)
    if broken:
        raise broken[0].error
    return mappings


def usable_mappings(directory: Path | str, needed: Collection[str]) -> list[ObjectMapping]:
    """The usable mappings of a directory (by name) for a caller that needs only some of them
    (``needed``, by name): a broken file among those raises its error; any other broken file
    is left to fail its own DAG, as the DAG file does."""
    mappings, broken = load_mapping_files(directory)
    for item in broken:
        if item.path.stem in needed:
            raise item.error
    return mappings


def load_mapping_files(directory: Path | str) -> tuple[list[ObjectMapping], list[BrokenMapping]]:
    """Each file validated on its own: the usable mappings (by name) and the broken files.

    A file that is not ``*.yaml``, fails validation, or defines a table an earlier file (in
    name order) already defines is broken; the others are unaffected. A directory without any
    file raises: there is no object to stand for.
    """
    folder = Path(directory)
    broken = [BrokenMapping(path, MappingError(
        f"{path}: found a file that is not a mapping; expected only *.yaml files in the "
        "mappings directory (rename .yml to .yaml, or move the file)"))
        for path in sorted(p for p in folder.iterdir()
                           if p.is_file() and p.suffix != ".yaml" and not p.name.startswith("."))]
    paths = sorted(folder.glob("*.yaml"))
    if not paths and not broken:
        raise MappingError(f"{directory}: no mapping files (*.yaml) found")
    mappings: list[ObjectMapping] = []
    owners: dict[str, str] = {}
    for path in paths:
        try:
            mapping = load_mapping(path)
        except MappingError as error:
            broken.append(BrokenMapping(path, error))
            continue
        tables = [mapping.table] + [c.table for c in mapping.all_children()]
        taken = next((t for t in tables if t in owners), None)
        if taken is not None:
            broken.append(BrokenMapping(path, MappingError(
                f"{mapping.path}: table {taken!r} is also defined by {owners[taken]}; "
                "expected every table name to be unique across mappings")))
            continue
        owners.update(dict.fromkeys(tables, mapping.path))
        mappings.append(mapping)
    return sorted(mappings, key=lambda m: m.name), broken


class _MappingLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml's safe loader (the same documents and errors as PyYAML's, eight times faster:
    every DAG parse reads every mapping) that refuses a key given twice in one block. YAML
    forbids it, but PyYAML keeps the last one silently: a second ``schedule:`` further down
    would win unseen."""


def _mapping_without_repeats(loader: Any, node: yaml.MappingNode) -> dict[Any, Any]:
    lines: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":  # <<: *anchor, which later keys override
            continue
        key = loader.construct_object(key_node, deep=True)
        try:
            first = lines.get(key)
        except TypeError:  # an unhashable key: the constructor's own error says so below
            continue
        if first is not None:
            raise yaml.constructor.ConstructorError(
                None, None, f"found the key {key!r} a second time (first on line {first}); "
                "expected each key once: delete one of them", key_node.start_mark)
        lines[key] = key_node.start_mark.line + 1
    return dict(loader.construct_mapping(node, deep=True))


_MappingLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                               _mapping_without_repeats)


def load_mapping(path: Path | str) -> ObjectMapping:
    """One mapping file, validated."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise MappingError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start}); "
                           "expected a YAML file saved as UTF-8") from None
    except OSError as error:
        raise MappingError(f"{path}: cannot be read ({error.strerror or error}); expected a "
                           "readable YAML file: fix or remove it") from None
    try:
        document = yaml.load(text, Loader=_MappingLoader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as error:
        raise MappingError(f"{path}: not valid YAML: {error}") from None
    return parse_mapping(document, str(path), path.stem)


def parse_mapping(document: Any, path: str, stem: str | None = None) -> ObjectMapping:
    """Validate a parsed mapping document (``path`` only names it in errors)."""
    check = _Checker(path)
    top = check.mapping(document, "", _TOP_FIELDS)
    name = check.table(top, "name")
    if stem is not None and name != stem:
        check.fail("name", name, f"the file's name without .yaml ({stem!r})")
    strategy = check.choice(top, "strategy", STRATEGIES)
    columns = check.columns(top.get("columns"), "columns")
    primary_key = check.field(top, "primary_key", "the record's own ID field (no dots: Xero "
                              "names each record by a field of its own)")
    check.key_is_column(primary_key, columns, "primary_key")
    check.key_type(primary_key, columns, "primary_key")
    updated_field = top.get("updated_field", "UpdatedDateUTC")
    if updated_field is not None:
        updated_field = check.text(top, "updated_field", default="UpdatedDateUTC")
        check.key_is_column(updated_field, columns, "updated_field")
        check.updated_is_timestamp(updated_field, columns)
    if strategy in ("paged", "modified_since", "client_filtered") and updated_field is None:
        check.fail("updated_field", None, f"a change timestamp field for strategy {strategy!r}")
    deleted_field, deleted_values = check.deleted(top.get("deleted_statuses"))
    if deleted_field is not None:
        check.key_is_column(deleted_field, columns, "deleted_statuses.field")
    paging = check.choice(top, "paging", PAGING, default=_default_paging(strategy))
    check.paging_fits(strategy, paging)
    reconcile = check.cron(top, "reconcile_schedule", required=False)
    if reconcile is not None and strategy == "full":
        check.fail("reconcile_schedule", reconcile,
                   "no reconcile schedule: a full strategy reads everything every run")
    resource = check.field(top, "resource", "a Xero endpoint name such as Invoices")
    webhooks, ids_filter = check.webhooks(top, primary_key, columns)
    return ObjectMapping(
        name=name,
        description=check.text(top, "description"),
        api=check.choice(top, "api", APIS, default="accounting"),
        resource=resource,
        collection=check.field(top, "collection", "the response's list field such as Invoices",
                               default=resource),
        primary_key=primary_key,
        strategy=strategy,
        updated_field=updated_field,
        paging=paging,
        schedule=check.cron(top, "schedule") or "",
        columns=columns,
        children=check.children(top.get("children"), "children", {name},
                                (_column_named(columns, primary_key),), 1),
        params=check.params(top.get("params")),
        deleted_field=deleted_field,
        deleted_values=deleted_values,
        reconcile_schedule=reconcile,
        webhooks=webhooks,
        ids_filter=ids_filter,
        read_each_by_id=check.flag(top, "read_each_by_id"),
        path=path,
    )


def _default_paging(strategy: str) -> str:
    return {"paged": "page_size", "client_filtered": "page"}.get(strategy, "none")


class _Checker:
    """Field checks that raise MappingError with file, field, found and expected."""

    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, where: str, found: Any, expected: str) -> NoReturn:
        raise MappingError(f"{self.path}: {where}: found {found!r}; expected {expected}")

    def mapping(self, value: Any, where: str, allowed: set[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(where or "(document)", type(value).__name__, "a mapping of fields")
        unknown = sorted(set(value) - allowed, key=str)  # a YAML key need not be a string
        if unknown:
            self.fail(f"{where}{unknown[0]}" if not where else f"{where}.{unknown[0]}",
                      "an unknown field", f"only {', '.join(sorted(allowed))}")
        return dict(value)

    def text(self, block: dict[str, Any], key: str, where: str = "",
             default: str | None = None) -> str:
        value = block.get(key, default)
        if not isinstance(value, str) or not value.strip():
            self.fail(f"{where}{key}", value, "a non-empty string")
        return str(value).strip()

    def name(self, block: dict[str, Any], key: str, where: str = "") -> str:
        value = self.text(block, key, where)
        if not _NAME.match(value) or len(value) > MAX_IDENTIFIER:
            self.fail(f"{where}{key}", value, SNAKE_CASE)
        return value

    def table(self, block: dict[str, Any], key: str, where: str = "") -> str:
        value = self.name(block, key, where)
        if value in RESERVED_TABLES:
            fix = "rename the table" if where else "rename the file and its name"
            self.fail(f"{where}{key}", value, "a name the project does not use itself (not one "
                      f"of {', '.join(RESERVED_TABLES)}): {fix}")
        return value

    def field(self, block: dict[str, Any], key: str, expected: str,
              default: str | None = None) -> str:
        value = self.text(block, key, default=default)
        if not _FIELD.match(value):
            self.fail(key, value, expected)
        return value

    def flag(self, block: dict[str, Any], key: str) -> bool:
        """An optional true/false (YAML's booleans only: 1 or "yes" in quotes is refused)."""
        value = block.get(key, False)
        if not isinstance(value, bool):
            self.fail(key, value, "true or false")
        return value

    def choice(self, block: dict[str, Any], key: str, choices: tuple[str, ...],
               default: str | None = None) -> str:
        value = block.get(key, default)
        if value not in choices:
            self.fail(key, value, f"one of {', '.join(choices)}")
        return str(value)

    def cron(self, block: dict[str, Any], key: str, required: bool = True) -> str | None:
        from croniter import CroniterBadDateError, croniter

        value = block.get(key)
        if value is None and not required:
            return None
        if (not isinstance(value, str) or not _CRON.match(value.strip())
                or not croniter.is_valid(value.strip())):
            self.fail(key, value, "a cron expression such as '0 * * * *' or @daily")
        try:  # valid fields can still name no day at all: 31 February
            croniter(value.strip()).get_next()
        except CroniterBadDateError:
            self.fail(key, value, "a cron expression that fires (this one names no date that "
                      "exists)")
        return str(value).strip()

    def params(self, value: Any) -> dict[str, str]:
        if value is None:
            return {}
        if not isinstance(value, dict) or not all(isinstance(v, str | bool | int)
                                                  for v in value.values()):
            self.fail("params", value, "a mapping of query parameters to values")
        return {str(k): str(v).lower() if isinstance(v, bool) else str(v)
                for k, v in value.items()}

    def deleted(self, value: Any) -> tuple[str | None, tuple[str, ...]]:
        if value is None:
            return None, ()
        block = self.mapping(value, "deleted_statuses", {"field", "values"})
        values = block.get("values")
        if not isinstance(values, list) or not values or not all(
                isinstance(v, str) for v in values):
            self.fail("deleted_statuses.values", values, "a list of status strings")
        return self.text(block, "field", "deleted_statuses."), tuple(values)

    def columns(self, value: Any, where: str) -> tuple[Column, ...]:
        if not isinstance(value, list) or not value:
            self.fail(where, value, "a non-empty list of columns")
        columns = tuple(self.column(item, f"{where}[{index}]")
                        for index, item in enumerate(value))
        seen: set[str] = set()
        for index, column in enumerate(columns):
            if column.name in seen or column.name in RESERVED_COLUMNS:
                self.fail(f"{where}[{index}].name", column.name,
                          "a column name used once and not one of " + ", ".join(RESERVED_COLUMNS)
                          + " (give the column a `name`)")
            seen.add(column.name)
        return columns

    def column(self, item: Any, where: str) -> Column:
        block = self.mapping(item, where, _COLUMN_FIELDS)
        source = self.text(block, "source", f"{where}.")
        if not _SOURCE.match(source):
            self.fail(f"{where}.source", source, "a Xero field name or dotted path")
        name = block.get("name", snake_case(source.split(".")[-1]))
        if not isinstance(name, str) or not _NAME.match(name) or len(name) > MAX_IDENTIFIER:
            self.fail(f"{where}.name", name, SNAKE_CASE)
        kind = block.get("type")
        if kind not in COLUMN_TYPES:
            self.fail(f"{where}.type", kind, f"one of {', '.join(COLUMN_TYPES)}")
        length = block.get("length")
        if length is not None and (kind != "string" or not isinstance(length, int)
                                   or isinstance(length, bool) or not 1 <= length <= 4000):
            self.fail(f"{where}.length", length, "an integer 1..4000, on string columns only")
        return Column(source, str(name), str(kind), length)

    def webhooks(self, top: dict[str, Any], key: str,
                 columns: tuple[Column, ...]) -> tuple[str | None, str | None]:
        """``webhooks`` (a category; the key must be the GUID Xero's events name) and
        ``ids_filter`` (a query parameter, only beside ``webhooks``)."""
        category = top.get("webhooks")
        if category is not None:
            category = self.choice(top, "webhooks", WEBHOOK_CATEGORIES)
            if next(c for c in columns if c.source == key).type != "guid":
                self.fail("webhooks", category, "a primary_key of type guid (webhook events "
                          "name records by their GUID)")
        if top.get("ids_filter") is None:
            return category, None
        ids_filter = self.text(top, "ids_filter")
        if category is None:
            self.fail("ids_filter", ids_filter, "no ids_filter without webhooks (it is how "
                      "a webhook run asks for the changed records)")
        if not _FIELD.match(ids_filter):
            self.fail("ids_filter", ids_filter, "a query parameter name such as IDs")
        return category, ids_filter

    def key_is_column(self, key: str, columns: tuple[Column, ...], where: str) -> None:
        if not any(c.source == key for c in columns):
            self.fail(where, key, "the source of one of the columns")

    def key_type(self, key: str, columns: tuple[Column, ...], where: str) -> None:
        """Key columns must be indexable on SQL Server (NVARCHAR(MAX) is not)."""
        column = next(c for c in columns if c.source == key)
        if column.type in ("guid", "integer", "bigint"):
            return
        if column.type == "string" and column.length is not None and column.length <= 450:
            return
        self.fail(where, f"{key} ({column.type}, length {column.length})",
                  "a key column of type guid, integer, bigint or string with length <= 450")

    def updated_is_timestamp(self, field_name: str, columns: tuple[Column, ...]) -> None:
        column = next(c for c in columns if c.source == field_name)
        if column.type != "timestamp":
            self.fail("updated_field", f"{field_name} ({column.type})",
                      "a column of type timestamp (the upsert compares change times)")

    def paging_fits(self, strategy: str, paging: str) -> None:
        needs_pages = strategy in ("paged", "client_filtered")
        if needs_pages and paging == "none":
            self.fail("paging", paging, f"page or page_size for strategy {strategy!r}")
        if strategy in ("modified_since", "journals") and paging != "none":
            self.fail("paging", paging, f"none for strategy {strategy!r}")

    def children(self, value: Any, where: str, tables: set[str], ancestors: tuple[str, ...],
                 depth: int) -> tuple[ChildTable, ...]:
        if value is None:
            return ()
        if depth > MAX_DEPTH:
            self.fail(where, "a third level of child tables",
                      f"at most {MAX_DEPTH} levels (child and grandchild)")
        if not isinstance(value, list):
            self.fail(where, value, "a list of child tables")
        return tuple(self.child(item, f"{where}[{i}]", tables, ancestors, depth)
                     for i, item in enumerate(value))

    def child(self, item: Any, where: str, tables: set[str], ancestors: tuple[str, ...],
              depth: int) -> ChildTable:
        block = self.mapping(item, where, _CHILD_FIELDS)
        table = self.table(block, "table", f"{where}.")
        if table in tables:
            self.fail(f"{where}.table", table, "a table name used once")
        tables.add(table)
        source = self.text(block, "source", f"{where}.")
        columns = self.columns(block.get("columns"), f"{where}.columns")
        for index, column in enumerate(columns):
            if column.name in ancestors:
                self.fail(f"{where}.columns[{index}].name", column.name,
                          "a name other than the parent key columns "
                          f"({', '.join(ancestors)}), which the table already has")
        key = None
        if block.get("key") is not None:
            key = self.text(block, "key", f"{where}.")
            self.key_is_column(key, columns, f"{where}.key")
            self.key_type(key, columns, f"{where}.key")
        own = _column_named(columns, key) if key else "_parent_position"
        children = self.children(block.get("children"), f"{where}.children", tables,
                                 (*ancestors, own), depth + 1)
        return ChildTable(table, source, key, columns, children)


def _column_named(columns: tuple[Column, ...], source: str) -> str:
    """The name of the column read from ``source``."""
    return next(c.name for c in columns if c.source == source)


if __name__ == "__main__":  # python -m xero_sync.mapping check FILE (xero_sync.mapping_check)
    from xero_sync.mapping_check import main

    raise SystemExit(main())
