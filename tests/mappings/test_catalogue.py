"""The set of mappings as a whole: one per object, sound table names, keys, types and timing."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from tests.mappings.conftest import OBJECTS
from xero_sandbox.endpoints import served
from xero_sync.mapping import ChildTable, Column, ObjectMapping, snake_case
from xero_sync.transform import child_columns

# Kept by Xero endpoint, not by mapping name, so a second mapping of an endpoint (the README's
# cash_journals reads Journals) is held to the same rule without editing these sets.
# Documents, payments and what they refer to most (contacts, items) sync hourly; settings daily.
HOURLY = {
    "BankTransactions", "BankTransfers", "BatchPayments", "Contacts", "CreditNotes", "Invoices",
    "Items", "Journals", "ManualJournals", "Overpayments", "Payments",
    "Prepayments", "PurchaseOrders", "Quotes",
}
# Objects Xero cannot filter by date (client_filtered) cost a full read every run: a few a day.
EVERY_SIX_HOURS = {"LinkedTransactions"}
# Objects Xero deletes outright, or changes without bumping their timestamp (xero-api.md 2.4,
# 2.7): an incremental read misses those, so a periodic full read must catch them.
NEEDS_RECONCILIATION = {
    "Accounts", "BankTransfers", "Contacts", "CreditNotes", "Employees", "Invoices", "Items",
    "LinkedTransactions",
}
MONEY = {"Amount", "AmountCredited", "AmountDue", "AmountPaid", "AppliedAmount", "BankAmount",
         "DiscountAmount", "GrossAmount", "LineAmount", "NetAmount", "Outstanding", "Overdue",
         "RemainingCredit", "SubTotal", "TaxAmount", "Total", "TotalAmount", "TotalCostPool",
         "TotalDiscount", "TotalTax"}
QUANTITY = {"NumberOfUnits", "Quantity", "QuantityOnHand", "UnitAmount", "UnitPrice"}
RATE = {"CurrencyRate", "DiscountRate", "DisplayTaxRate", "EffectiveRate", "Rate"}
NOT_DATES = {"Schedule.DueDate"}  # a day count or day of month


def singular(name: str) -> str:
    """``tracking_categories`` → ``tracking_category``, ``invoices`` → ``invoice``."""
    return re.sub(r"ies$", "y", name) if name.endswith("ies") else name.removesuffix("s")


def all_tables(mapping: ObjectMapping) -> list[tuple[str, tuple[Column, ...]]]:
    return [(mapping.table, mapping.columns),
            *((child.table, child.columns) for child in mapping.all_children())]


def expected_type(source: str) -> str | None:
    """The column type a Xero field's kind calls for (None: no rule for this field)."""
    field = source.split(".")[-1]
    if field.endswith("ID"):
        return "guid"
    if field.endswith("DateUTC"):
        return "timestamp"
    if field.endswith("Date") and source not in NOT_DATES:
        return "date"
    if field in MONEY:
        return "money"
    if field in QUANTITY:
        return "quantity"
    if field in RATE:
        return "rate"
    if field.startswith(("Is", "Has", "CanApplyTo")):
        return "boolean"
    return None


def test_there_is_one_mapping_per_object_xero_serves(mappings: dict[str, ObjectMapping]) -> None:
    """Each served endpoint has its mapping named after it (more mappings of one endpoint, such
    as a filtered one, are welcome; test_endpoints checks every endpoint is mapped)."""
    for endpoint in served():
        mapping = mappings.get(snake_case(endpoint.name))
        assert mapping is not None, f"no mapping named {snake_case(endpoint.name)}"
        assert (mapping.api, mapping.resource) == (endpoint.family, endpoint.name)


def owner_of(table: str, names: list[str]) -> str | None:
    """The object a table name reads as belonging to: the longest matching prefix wins."""
    matches = [name for name in names if table.startswith(singular(name) + "_")]
    return max(matches, key=lambda name: len(singular(name)), default=None)


def test_child_tables_are_named_after_their_object(mappings: dict[str, ObjectMapping]) -> None:
    for mapping in mappings.values():
        for child in mapping.all_children():
            assert owner_of(child.table, list(mappings)) == mapping.name, child.table


def test_nesting_stops_at_grandchildren(mappings: dict[str, ObjectMapping]) -> None:
    for mapping in mappings.values():
        for child in mapping.children:
            assert all(not grandchild.children for grandchild in child.children), mapping.name


def test_child_columns_do_not_shadow_ancestor_keys(mappings: dict[str, ObjectMapping]) -> None:
    for mapping in mappings.values():
        for child in mapping.all_children():
            names = child_columns(mapping, child)
            assert len(names) == len(set(names)), f"{child.table}: {names}"


@pytest.mark.parametrize("name", OBJECTS)
def test_keys_are_guids_or_bounded_strings(mappings: dict[str, ObjectMapping], name: str) -> None:
    """SQL Server cannot index NVARCHAR(MAX): every key column needs a type with a bound."""
    mapping = mappings[name]
    keyed: list[tuple[str, tuple[Column, ...], str | None]] = [
        (mapping.table, mapping.columns, mapping.primary_key),
        *((c.table, c.columns, c.key) for c in mapping.all_children()),
    ]
    for table, columns, key in keyed:
        if key is None:
            continue
        column = next(c for c in columns if c.source == key)
        bounded = column.type == "string" and column.length is not None and column.length <= 450
        assert column.type in ("guid", "integer", "bigint") or bounded, f"{table}.{column.name}"


@pytest.mark.parametrize("name", OBJECTS)
def test_column_types_follow_the_kind_of_xero_field(mappings: dict[str, ObjectMapping],
                                                    name: str) -> None:
    for table, columns in all_tables(mappings[name]):
        for column in columns:
            wanted = expected_type(column.source)
            assert wanted in (None, column.type), f"{table}.{column.name} is {column.type}"


@pytest.mark.parametrize("name", OBJECTS)
def test_lengths_are_given_only_to_short_text(mappings: dict[str, ObjectMapping],
                                              name: str) -> None:
    """Free text has no length; codes, enums, numbers and names get a generous documented one."""
    for table, columns in all_tables(mappings[name]):
        for column in columns:
            if column.length is not None:
                assert column.length >= 2, f"{table}.{column.name}"
            if column.source.split(".")[-1] in ("Description", "Reference", "Narration", "Url"):
                assert column.length is None, f"{table}.{column.name} is free text"


def test_column_names_default_to_snake_case_of_the_field(
        mappings: dict[str, ObjectMapping]) -> None:
    """Only nested fields (contact_id from Contact.ContactID) and clashes with the load's own
    columns (IsDeleted would be is_deleted) are renamed."""
    for mapping in mappings.values():
        for table, columns in all_tables(mapping):
            for column in columns:
                plain = snake_case(column.source.split(".")[-1])
                renamed = "." in column.source or column.name == "allocation_deleted"
                assert column.name == plain or renamed, f"{table}.{column.name}"


def test_documents_and_payments_sync_hourly_and_settings_daily(
        mappings: dict[str, ObjectMapping]) -> None:
    for mapping in mappings.values():
        minute, hour, *rest = mapping.schedule.split()
        assert minute.isdigit() and rest == ["*", "*", "*"], mapping.name
        assert (hour == "*") == (mapping.resource in HOURLY), mapping.name
        assert (hour == "*/6") == (mapping.resource in EVERY_SIX_HOURS), mapping.name


def test_objects_read_whole_every_run_sync_a_few_times_a_day(
        mappings: dict[str, ObjectMapping]) -> None:
    from croniter import croniter

    whole = [m for m in mappings.values() if m.strategy == "client_filtered"]
    assert [m.name for m in whole] == ["linked_transactions"]
    for mapping in whole:
        runs = croniter(mapping.schedule, datetime(2026, 1, 1, tzinfo=UTC))
        day = [runs.get_next(datetime) for _ in range(24)]
        assert sum(moment.day == 1 for moment in day) <= 4, mapping.schedule
        assert "every six hours" in mapping.description and "calls" in mapping.description


def test_hourly_syncs_start_at_different_minutes(mappings: dict[str, ObjectMapping]) -> None:
    minutes = [m.schedule.split()[0] for m in mappings.values()
               if m.schedule.split()[1] in ("*", "*/6")]
    assert len(minutes) == len(set(minutes))


def test_daily_syncs_start_at_different_times(mappings: dict[str, ObjectMapping]) -> None:
    times = [m.schedule for m in mappings.values() if m.schedule.split()[1].isdigit()]
    assert len(times) == len(set(times))


def test_hard_deletes_and_blind_spots_are_reconciled_weekly(
        mappings: dict[str, ObjectMapping]) -> None:
    reconciled = {name for name, m in mappings.items() if m.reconcile_schedule is not None}
    needing = {name for name, m in mappings.items() if m.resource in NEEDS_RECONCILIATION}
    assert reconciled == needing
    times = [mappings[name].reconcile_schedule for name in reconciled]
    assert len(times) == len(set(times))
    for name in reconciled:
        assert str(mappings[name].reconcile_schedule).endswith(" * * 0"), name


def test_full_snapshots_need_no_reconciliation(mappings: dict[str, ObjectMapping]) -> None:
    for mapping in mappings.values():
        if mapping.strategy == "full":
            assert mapping.reconcile_schedule is None, mapping.name
            assert mapping.updated_field is None, mapping.name


def test_paged_reads_ask_for_the_oldest_change_first(mappings: dict[str, ObjectMapping]) -> None:
    for mapping in mappings.values():
        if mapping.strategy != "paged":
            assert "order" not in mapping.params, mapping.name
        elif mapping.name == "manual_journals":  # Xero ignored paging when `order` was given
            assert "order" not in mapping.params
        else:
            assert mapping.params.get("order") == "UpdatedDateUTC ASC", mapping.name


def test_descriptions_say_what_the_table_holds(mappings: dict[str, ObjectMapping]) -> None:
    for mapping in mappings.values():
        assert len(mapping.description) >= 150, mapping.name
        if mapping.deleted_values or mapping.reconcile_schedule or mapping.strategy == "full":
            assert "is_deleted" in mapping.description, mapping.name


def test_line_items_look_the_same_on_every_document(mappings: dict[str, ObjectMapping]) -> None:
    """Analysts union line items across documents: same source, same column, same type."""
    seen: dict[str, tuple[str, str, int | None]] = {}
    lines: list[ChildTable] = [c for m in mappings.values() for c in m.children
                               if c.source == "LineItems"]
    assert len(lines) >= 8  # the eight documents with lines; more mappings may add some
    for child in lines:
        for column in child.columns:
            shape = (column.name, column.type, column.length)
            assert seen.setdefault(column.source, shape) == shape, f"{child.table}.{column.name}"
