"""A bad mapping file is refused with a message naming the file, the field, what was found and
what was expected: one row of the table below per mistake a user can make."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from xero_sync.mapping import (
    COLUMN_TYPES,
    RESERVED_COLUMNS,
    RESERVED_TABLES,
    MappingError,
    load_mapping,
    load_mapping_files,
    load_mappings,
)
from xero_sync.strategies import STRATEGIES

DELETE = object()  # an edit that removes the field
Path_ = tuple[str | int, ...]

VALID: dict[str, Any] = {
    "name": "bills",
    "description": "Bills from suppliers.",
    "resource": "Invoices",
    "primary_key": "InvoiceID",
    "strategy": "paged",
    "schedule": "0 * * * *",
    "columns": [
        {"source": "InvoiceID", "type": "guid"},
        {"source": "Reference", "type": "string"},
        {"source": "Total", "type": "money"},
        {"source": "UpdatedDateUTC", "type": "timestamp"},
    ],
    "children": [{
        "table": "bill_lines", "source": "LineItems", "key": "LineItemID",
        "columns": [{"source": "LineItemID", "type": "guid"},
                    {"source": "Description", "type": "string"}],
    }],
}
TYPES = ", ".join(COLUMN_TYPES)
RESERVED = ("a column name used once and not one of " + ", ".join(RESERVED_COLUMNS)
            + " (give the column a `name`)")
SNAKE = "snake_case: lower-case letters, digits and _, at most 63 characters"
TEXT = "a non-empty string"
CRON = "a cron expression such as '0 * * * *' or @daily"
TOP_FIELDS = ("api, children, collection, columns, deleted_statuses, description, ids_filter, "
              "name, paging, params, primary_key, read_each_by_id, reconcile_schedule, resource, "
              "schedule, strategy, updated_field, webhooks")
LENGTH = "an integer 1..4000, on string columns only"
IS_COLUMN = "the source of one of the columns"
OWN_NAMES = ("a name the project does not use itself (not one of "
             + ", ".join(RESERVED_TABLES) + ")")
TRACKING = {"table": "bill_line_tracking", "source": "Tracking", "key": "TrackingOptionID",
            "columns": [{"source": "TrackingCategoryID", "type": "guid"}]}

CASES = [
    pytest.param({("name",): DELETE}, f"name: found None; expected {TEXT}", id="missing-name"),
    pytest.param({("name",): "invoices"},
                 "name: found 'invoices'; expected the file's name without .yaml ('bills')",
                 id="name-is-not-the-file-stem"),
    pytest.param({("name",): "Bills"}, f"name: found 'Bills'; expected {SNAKE}",
                 id="name-not-snake-case"),
    pytest.param({("description",): "  "}, f"description: found '  '; expected {TEXT}",
                 id="blank-description"),
    pytest.param({("resource",): DELETE}, f"resource: found None; expected {TEXT}",
                 id="missing-resource"),
    pytest.param({("strategy",): "incremental"},
                 f"strategy: found 'incremental'; expected one of {', '.join(STRATEGIES)}",
                 id="bad-strategy"),
    pytest.param({("api",): "payroll_nz"},
                 "api: found 'payroll_nz'; expected one of accounting, payroll_au", id="bad-api"),
    pytest.param({("paging",): "offset"},
                 "paging: found 'offset'; expected one of none, page, page_size", id="bad-paging"),
    pytest.param({("schedal",): "0 * * * *"},
                 f"schedal: found 'an unknown field'; expected only {TOP_FIELDS}",
                 id="unknown-top-level-field"),
    pytest.param({("schedule",): "every hour"}, f"schedule: found 'every hour'; expected {CRON}",
                 id="bad-cron"),
    pytest.param({("schedule",): DELETE}, f"schedule: found None; expected {CRON}",
                 id="missing-schedule"),
    pytest.param({("reconcile_schedule",): "weekly"},
                 f"reconcile_schedule: found 'weekly'; expected {CRON}",
                 id="bad-reconcile-cron"),
    pytest.param({("columns",): []},
                 "columns: found []; expected a non-empty list of columns", id="empty-columns"),
    pytest.param({("columns", 1): "Reference"},
                 "columns[1]: found 'str'; expected a mapping of fields",
                 id="column-is-not-a-mapping"),
    pytest.param({("columns", 2, "type"): "decimal"},
                 f"columns[2].type: found 'decimal'; expected one of {TYPES}",
                 id="bad-column-type"),
    pytest.param({("columns", 1, "type"): DELETE},
                 f"columns[1].type: found None; expected one of {TYPES}",
                 id="missing-column-type"),
    pytest.param({("columns", 1, "lenght"): 50},
                 "columns[1].lenght: found 'an unknown field'; expected only length, name, "
                 "source, type", id="unknown-column-field"),
    pytest.param({("columns", 1, "source"): "Contact..Name"},
                 "columns[1].source: found 'Contact..Name'; expected a Xero field name or "
                 "dotted path", id="bad-column-source"),
    pytest.param({("columns", 1, "name"): "Reference"},
                 f"columns[1].name: found 'Reference'; expected {SNAKE}",
                 id="column-name-not-snake-case"),
    pytest.param({("columns", 4): {"source": "Contact.InvoiceID", "type": "guid"}},
                 f"columns[4].name: found 'invoice_id'; expected {RESERVED}",
                 id="duplicate-column-name"),
    pytest.param({("columns", 4): {"source": "IsDeleted", "type": "boolean"}},
                 f"columns[4].name: found 'is_deleted'; expected {RESERVED}",
                 id="reserved-column-name"),
    pytest.param({("columns", 2, "length"): 19},
                 f"columns[2].length: found 19; expected {LENGTH}", id="length-on-a-non-string"),
    pytest.param({("columns", 1, "length"): 8000},
                 f"columns[1].length: found 8000; expected {LENGTH}", id="length-too-long"),
    pytest.param({("columns", 1, "length"): "50"},
                 f"columns[1].length: found '50'; expected {LENGTH}", id="length-not-a-number"),
    pytest.param({("primary_key",): "InvoiceId"},
                 f"primary_key: found 'InvoiceId'; expected {IS_COLUMN}",
                 id="primary-key-not-a-column"),
    pytest.param({("primary_key",): DELETE}, f"primary_key: found None; expected {TEXT}",
                 id="missing-primary-key"),
    pytest.param({("columns", 3): DELETE},
                 f"updated_field: found 'UpdatedDateUTC'; expected {IS_COLUMN}",
                 id="default-updated-field-not-a-column"),
    pytest.param({("updated_field",): "ModifiedDate"},
                 f"updated_field: found 'ModifiedDate'; expected {IS_COLUMN}",
                 id="updated-field-not-a-column"),
    pytest.param({("updated_field",): None},
                 "updated_field: found None; expected a change timestamp field for strategy "
                 "'paged'", id="paged-without-updated-field"),
    pytest.param({("strategy",): "modified_since", ("updated_field",): None},
                 "updated_field: found None; expected a change timestamp field for strategy "
                 "'modified_since'", id="modified-since-without-updated-field"),
    pytest.param({("deleted_statuses",): ["DELETED"]},
                 "deleted_statuses: found 'list'; expected a mapping of fields",
                 id="deleted-statuses-not-a-mapping"),
    pytest.param({("deleted_statuses",): {"field": "Status", "values": "DELETED"}},
                 "deleted_statuses.values: found 'DELETED'; expected a list of status strings",
                 id="deleted-statuses-values-not-a-list"),
    pytest.param({("deleted_statuses",): {"field": "Status", "values": []}},
                 "deleted_statuses.values: found []; expected a list of status strings",
                 id="deleted-statuses-empty"),
    pytest.param({("deleted_statuses",): {"values": ["DELETED"]}},
                 f"deleted_statuses.field: found None; expected {TEXT}",
                 id="deleted-statuses-without-field"),
    pytest.param({("deleted_statuses",): {"field": "Status", "value": ["DELETED"]}},
                 "deleted_statuses.value: found 'an unknown field'; expected only field, values",
                 id="deleted-statuses-unknown-field"),
    pytest.param({("params",): ["order=UpdatedDateUTC"]},
                 "params: found ['order=UpdatedDateUTC']; expected a mapping of query "
                 "parameters to values", id="params-not-a-mapping"),
    pytest.param({("params",): {"order": ["UpdatedDateUTC"]}},
                 "params: found {'order': ['UpdatedDateUTC']}; expected a mapping of query "
                 "parameters to values", id="param-value-not-scalar"),
    pytest.param({("children",): "LineItems"},
                 "children: found 'LineItems'; expected a list of child tables",
                 id="children-not-a-list"),
    pytest.param({("children", 0, "keys"): "LineItemID"},
                 "children[0].keys: found 'an unknown field'; expected only children, columns, "
                 "key, source, table", id="unknown-child-field"),
    pytest.param({("children", 0, "key"): "InvoiceID"},
                 f"children[0].key: found 'InvoiceID'; expected {IS_COLUMN}",
                 id="child-key-not-a-child-column"),
    pytest.param({("children", 0, "children"): [TRACKING]},
                 f"children[0].children[0].key: found 'TrackingOptionID'; expected {IS_COLUMN}",
                 id="grandchild-key-not-a-grandchild-column"),
    pytest.param({("children", 0, "table"): "bills"},
                 "children[0].table: found 'bills'; expected a table name used once",
                 id="child-table-named-like-its-parent"),
    pytest.param({("children", 0, "columns"): DELETE},
                 "children[0].columns: found None; expected a non-empty list of columns",
                 id="child-without-columns"),
    pytest.param({("schedule",): "61 * * * *"}, f"schedule: found '61 * * * *'; expected {CRON}",
                 id="cron-minute-out-of-range"),
    pytest.param({("primary_key",): "Reference"},
                 "primary_key: found 'Reference (string, length None)'; expected a key column "
                 "of type guid, integer, bigint or string with length <= 450",
                 id="key-column-not-indexable"),
    pytest.param({("updated_field",): "Total"},
                 "updated_field: found 'Total (money)'; expected a column of type timestamp "
                 "(the upsert compares change times)", id="updated-field-not-a-timestamp"),
    pytest.param({("paging",): "none"},
                 "paging: found 'none'; expected page or page_size for strategy 'paged'",
                 id="paged-strategy-without-paging"),
    pytest.param({("strategy",): "modified_since", ("paging",): "page"},
                 "paging: found 'page'; expected none for strategy 'modified_since'",
                 id="paging-on-an-unpaged-strategy"),
    pytest.param({("deleted_statuses",): {"field": "Status", "values": ["DELETED"]}},
                 f"deleted_statuses.field: found 'Status'; expected {IS_COLUMN}",
                 id="deleted-field-not-a-column"),
    pytest.param({("strategy",): "full", ("updated_field",): None, ("paging",): "page_size",
                  ("reconcile_schedule",): "0 3 * * 0"},
                 "reconcile_schedule: found '0 3 * * 0'; expected no reconcile schedule: a "
                 "full strategy reads everything every run", id="reconcile-on-a-full-strategy"),
    pytest.param({("columns", 1, "name"): ""}, f"columns[1].name: found ''; expected {SNAKE}",
                 id="empty-column-name"),
    pytest.param({("children", 0, "columns", 2): {"source": "Contact.InvoiceID", "type": "guid",
                                                  "name": "invoice_id"}},
                 "children[0].columns[2].name: found 'invoice_id'; expected a name other than "
                 "the parent key columns (invoice_id), which the table already has",
                 id="child-column-repeats-parent-key"),
    pytest.param({("children", 0, "children"): [{
        "table": "bill_line_tracking", "source": "Tracking",
        "columns": [{"source": "Name", "type": "string"}],
        "children": [{"table": "too_deep", "source": "X",
                      "columns": [{"source": "Y", "type": "string"}]}]}]},
                 "children[0].children[0].children: found 'a third level of child tables'; "
                 "expected at most 2 levels (child and grandchild)", id="three-levels-deep"),
    pytest.param({("webhooks",): "PAYMENT"},
                 "webhooks: found 'PAYMENT'; expected one of CONTACT, INVOICE, CREDITNOTE",
                 id="webhooks-of-a-category-xero-does-not-send"),
    pytest.param({("webhooks",): "INVOICE", ("columns", 0, "type"): "string",
                  ("columns", 0, "length"): 36},
                 "webhooks: found 'INVOICE'; expected a primary_key of type guid (webhook "
                 "events name records by their GUID)", id="webhooks-without-a-guid-key"),
    pytest.param({("ids_filter",): "IDs"},
                 "ids_filter: found 'IDs'; expected no ids_filter without webhooks (it is how "
                 "a webhook run asks for the changed records)", id="ids-filter-without-webhooks"),
    pytest.param({("webhooks",): "INVOICE", ("ids_filter",): "IDs=1"},
                 "ids_filter: found 'IDs=1'; expected a query parameter name such as IDs",
                 id="ids-filter-not-a-parameter-name"),
    pytest.param({(): None}, "(document): found 'NoneType'; expected a mapping of fields",
                 id="empty-file"),
    pytest.param({("name",): "general_ledger"},
                 f"name: found 'general_ledger'; expected {OWN_NAMES}: rename the file and its "
                 "name", id="name-of-a-reporting-view"),
    pytest.param({("children", 0, "table"): "report_snapshots"},
                 f"children[0].table: found 'report_snapshots'; expected {OWN_NAMES}: rename "
                 "the table", id="child-table-named-like-the-snapshots-table"),
    pytest.param({("name",): "b" * 64}, f"name: found '{'b' * 64}'; expected {SNAKE}",
                 id="name-longer-than-postgresql-keeps"),
    pytest.param({("columns", 1, "name"): "r" * 64},
                 f"columns[1].name: found '{'r' * 64}'; expected {SNAKE}",
                 id="column-name-longer-than-postgresql-keeps"),
    pytest.param({("columns", 1, "name"): "reference\n"},
                 f"columns[1].name: found 'reference\\n'; expected {SNAKE}",
                 id="column-name-with-a-trailing-newline"),
    pytest.param({("resource",): "../connections?x=1"},
                 "resource: found '../connections?x=1'; expected a Xero endpoint name such as "
                 "Invoices", id="resource-not-an-endpoint-name"),
    pytest.param({("collection",): "Invoices[0]"},
                 "collection: found 'Invoices[0]'; expected the response's list field such as "
                 "Invoices", id="collection-not-a-field-name"),
    pytest.param({("columns", 4): {"source": "Contact.ContactID", "type": "guid"},
                  ("primary_key",): "Contact.ContactID"},
                 "primary_key: found 'Contact.ContactID'; expected the record's own ID field "
                 "(no dots: Xero names each record by a field of its own)",
                 id="primary-key-inside-a-nested-object"),
    pytest.param({("schedule",): "0 0 31 2 *"},
                 "schedule: found '0 0 31 2 *'; expected a cron expression that fires (this one "
                 "names no date that exists)", id="cron-of-a-day-that-never-comes"),
    pytest.param({("columns", 1, "length"): True},
                 f"columns[1].length: found True; expected {LENGTH}", id="length-a-boolean"),
    pytest.param({(1,): "a", ("zzz",): "b"},
                 f"1: found 'an unknown field'; expected only {TOP_FIELDS}",
                 id="unknown-fields-of-mixed-types"),
    pytest.param({(): ["name", "bills"]},
                 "(document): found 'list'; expected a mapping of fields",
                 id="document-not-a-mapping"),
]


def edited(edits: dict[Path_, Any]) -> Any:
    """VALID with each edit applied: set (or append at the end of a list), or DELETE."""
    document: Any = copy.deepcopy(VALID)
    for path, value in edits.items():
        if not path:
            document = value
            continue
        *steps, last = path
        target = document
        for step in steps:
            target = target[step]
        if value is DELETE:
            del target[last]
        elif isinstance(target, list) and last == len(target):
            target.append(value)
        else:
            target[last] = value
    return document


def write(directory: Path, stem: str, document: Any) -> Path:
    path = directory / f"{stem}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def test_the_valid_document_loads(tmp_path: Path) -> None:
    mapping = load_mapping(write(tmp_path, "bills", VALID))
    assert (mapping.name, mapping.table, mapping.children[0].table) == (
        "bills", "bills", "bill_lines")


@pytest.mark.parametrize(("edits", "message"), CASES)
def test_a_bad_mapping_is_refused_with_file_field_found_and_expected(
        tmp_path: Path, edits: dict[Path_, Any], message: str) -> None:
    path = write(tmp_path, "bills", edited(edits))
    with pytest.raises(MappingError) as refused:
        load_mapping(path)
    assert str(refused.value) == f"{path}: {message}"


def test_a_file_that_is_not_yaml_is_refused_with_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bills.yaml"
    path.write_text("name: bills\ncolumns: [\n  {source: InvoiceID\n", encoding="utf-8")
    with pytest.raises(MappingError, match="line 4") as refused:
        load_mapping(path)
    assert str(refused.value).startswith(f"{path}: not valid YAML: ")


def test_a_table_name_used_by_two_files_is_refused(tmp_path: Path) -> None:
    bills = write(tmp_path, "bills", VALID)
    credits = write(tmp_path, "credits", {**copy.deepcopy(VALID), "name": "credits"})
    with pytest.raises(MappingError) as refused:
        load_mappings(tmp_path)
    assert str(refused.value) == (
        f"{credits}: table 'bill_lines' is also defined by {bills}; "
        "expected every table name to be unique across mappings")


def test_a_child_table_named_like_another_object_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "bills", VALID)
    other = edited({("name",): "lines", ("children", 0, "table"): "bills"})
    lines = write(tmp_path, "lines", other)
    with pytest.raises(MappingError) as refused:
        load_mappings(tmp_path)
    assert str(refused.value).startswith(f"{lines}: table 'bills' is also defined by ")


def test_a_directory_without_mappings_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MappingError) as refused:
        load_mappings(tmp_path)
    assert str(refused.value) == f"{tmp_path}: no mapping files (*.yaml) found"


def test_a_stray_yml_file_is_refused_not_skipped(tmp_path: Path) -> None:
    (tmp_path / "bills.yaml").write_text(yaml.safe_dump(VALID))
    (tmp_path / "credit_notes.yml").write_text(yaml.safe_dump(VALID))
    with pytest.raises(MappingError, match=r"credit_notes\.yml: found a file that is not a "
                                           r"mapping; expected only \*\.yaml files"):
        load_mappings(tmp_path)


def test_a_key_given_twice_is_refused_with_both_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "bills", VALID)
    path.write_text(path.read_text(encoding="utf-8") + "schedule: 5 * * * *\n", encoding="utf-8")
    with pytest.raises(MappingError) as refused:
        load_mapping(path)
    assert str(refused.value).startswith(
        f"{path}: not valid YAML: found the key 'schedule' a second time (first on line 6); "
        "expected each key once")


def test_yaml_merge_keys_still_override_what_they_merge(tmp_path: Path) -> None:
    path = tmp_path / "bills.yaml"
    text = yaml.safe_dump(VALID, sort_keys=False).replace(
        "columns:\n", "base: &base {source: Reference, type: string}\ncolumns:\n", 1)
    path.write_text(text.replace("- source: Reference\n  type: string\n",
                                 "- <<: *base\n  length: 50\n"), encoding="utf-8")
    with pytest.raises(MappingError, match="base: found 'an unknown field'"):
        load_mapping(path)  # parsed (the merge is no repeat); refused for the extra field only


def test_unreadable_files_are_broken_mappings_and_the_others_load(tmp_path: Path) -> None:
    write(tmp_path, "bills", VALID)
    (tmp_path / "latin.yaml").write_bytes(b"name: caf\xe9\n")
    (tmp_path / "folder.yaml").mkdir()
    (tmp_path / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    mappings, broken = load_mapping_files(tmp_path)
    assert [m.name for m in mappings] == ["bills"]
    reasons = {item.path.name: str(item.error) for item in broken}
    assert reasons == {
        "folder.yaml": f"{tmp_path / 'folder.yaml'}: cannot be read (Is a directory); expected "
                       "a readable YAML file: fix or remove it",
        "gone.yaml": f"{tmp_path / 'gone.yaml'}: cannot be read (No such file or directory); "
                     "expected a readable YAML file: fix or remove it",
        "latin.yaml": f"{tmp_path / 'latin.yaml'}: not UTF-8 text (invalid continuation byte "
                      "at byte 9); expected a YAML file saved as UTF-8",
    }


def test_the_reserved_names_are_every_object_the_project_puts_in_the_schema() -> None:
    from xero_sync.dag_factory import REPORTS_DAG_ID
    from xero_sync.warehouse import reporting, snapshots

    own = {name for name, _ in reporting.VIEWS} | set(reporting.REPORT_NAMES) | {
        "dim_dates", reporting.LEDGER_DAILY, snapshots.REPORT_SNAPSHOTS.name,
        snapshots.REPORT_SNAPSHOT_LINES.name, REPORTS_DAG_ID.removeprefix("xero__")}
    assert set(RESERVED_TABLES) == own
