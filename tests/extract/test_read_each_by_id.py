"""A list that gives a summary (Payroll AU's employees): with ``read_each_by_id`` every listed
record is read again by id and the whole record is what a run loads, whatever the run, so
columns outside the summary fill and stored child rows (leave balances, bank accounts) are
never replaced by none."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.extract.conftest import Xero
from xero_sandbox.generator import stamp
from xero_sync.client import ApiResponse, Limits, XeroClient
from xero_sync.errors import MalformedResponse, XeroApiError
from xero_sync.extract import ExtractSpec, Page, extract, extract_ids
from xero_sync.mapping import MappingError, load_mapping, parse_mapping
from xero_sync.sync import SyncRequest, run_sync
from xero_sync.warehouse.dbapi import WarehouseTarget
from xero_sync.warehouse.factory import warehouse_for
from xero_sync.warehouse.sqlbase import SqlWarehouse

EMPLOYEES_YAML = Path(__file__).resolve().parents[2] / "include" / "mappings" / "employees.yaml"
EMPLOYEES = load_mapping(EMPLOYEES_YAML)
SPEC = EMPLOYEES.extract_spec()
Record = dict[str, Any]


def records(pages: list[Page]) -> list[Record]:
    return [record for page in pages for record in page.records]


def by_id(rows: list[Record]) -> dict[str, Record]:
    return {str(row["EmployeeID"]): row for row in rows}


def edit_leave(xero: Xero, tenant: str, count: int, units: float) -> list[str]:
    """A payroll officer changes the leave balance of ``count`` employees now. Their ids."""
    organisation = xero.sandbox.state.organisations[tenant]
    with organisation.lock:
        edited = list(organisation.data["Employees"].values())[:count]
        for record in edited:
            record["LeaveBalances"][0]["NumberOfUnits"] = units
            stamp(record, "Employees", xero.sandbox.state.clock.now_ms())
        organisation.invalidate()
    return [str(r["EmployeeID"]) for r in edited]


# -- extraction, against the sandbox ------------------------------------------------------------


def test_the_employees_mapping_reads_each_employee_by_id() -> None:
    assert EMPLOYEES.read_each_by_id and SPEC.read_each_by_id


def test_every_listed_employee_is_read_whole_one_call_each(
        xero: Xero, caplog: pytest.LogCaptureFixture) -> None:
    for tenant in xero.tenants:
        truth = xero.truth("Employees", tenant)
        before = xero.calls(tenant, "Employees")
        with caplog.at_level(logging.INFO, logger="xero_sync"):
            got = records(list(extract(xero.client, SPEC, tenant)))
        assert by_id(got) == by_id(truth)  # home address, tax declaration, balances, accounts
        assert len(got) == len(truth) == 25
        assert xero.calls(tenant, "Employees") - before == 1 + len(truth)  # the list, then each
    progress = [r.getMessage() for r in caplog.records if "read by id so far" in r.getMessage()]
    assert len(progress) == 2  # one line per 25 records, per organisation
    assert progress[0].startswith(f"employees for organisation {xero.tenants[0]}: 25 records "
                                  "read by id so far, one call each (page 1); Xero allows")


def test_an_incremental_read_reads_only_the_changed_employees_by_id(xero: Xero) -> None:
    tenant = xero.tenants[0]
    first = list(extract(xero.client, SPEC, tenant))
    watermark = first[-1].high_watermark
    assert isinstance(watermark, datetime)
    xero.admin("POST", "clock", json={"seconds": 60})
    edited = edit_leave(xero, tenant, 2, 123.5)
    before = xero.calls(tenant, "Employees")
    got = records(list(extract(xero.client, SPEC, tenant, since=watermark + timedelta(seconds=1))))
    assert sorted(by_id(got)) == sorted(edited)
    assert all(r["LeaveBalances"][0]["NumberOfUnits"] == 123.5 for r in got)
    assert xero.calls(tenant, "Employees") - before == 1 + 2


def test_a_webhook_style_read_by_ids_gets_the_whole_records_too(xero: Xero) -> None:
    tenant = xero.tenants[0]
    wanted = xero.truth("Employees", tenant)[:2]
    got = records(list(extract_ids(xero.client, SPEC, tenant,
                                   [r["EmployeeID"] for r in wanted])))
    assert by_id(got) == by_id(wanted)


# -- runs into a warehouse: stored child rows survive every kind of run --------------------------


class LiveSource:
    """What a task's XeroHook gives a run: the client's pages by the mapping's strategy."""

    def __init__(self, client: XeroClient) -> None:
        self.client = client

    def extract(self, spec: ExtractSpec, tenant_id: str, since: datetime | None = None,
                offset: int | None = None) -> Iterator[Page]:
        return extract(self.client, spec, tenant_id, since, offset)


def stored(warehouse: SqlWarehouse, table: str, tenant: str) -> list[tuple[Any, ...]]:
    cursor = warehouse.connection.cursor()
    cursor.execute(f"SELECT * FROM {warehouse.table(table)} WHERE tenant_id = ?",  # noqa: S608
                   (tenant,))
    return list(cursor.fetchall())


def leave_units(warehouse: SqlWarehouse, tenant: str) -> dict[str, float]:
    cursor = warehouse.connection.cursor()
    cursor.execute(f"SELECT employee_id, number_of_units FROM "  # noqa: S608
                   f"{warehouse.table('employee_leave_balances')} WHERE tenant_id = ?", (tenant,))
    return {str(key).lower(): float(units) for key, units in cursor.fetchall()}


def test_incremental_runs_and_full_refreshes_keep_every_employees_detail(
        xero: Xero, tmp_path: Path) -> None:
    tenant = xero.tenants[0]
    truth = xero.truth("Employees", tenant)
    warehouse = warehouse_for(WarehouseTarget("sqlite", str(tmp_path / "w.db")))
    warehouse.ensure_tables([EMPLOYEES])
    source = LiveSource(xero.client)
    balances = sum(len(r["LeaveBalances"]) for r in truth)
    accounts = sum(len(r["BankAccounts"]) for r in truth)

    def assert_whole() -> None:
        assert len(stored(warehouse, "employee_leave_balances", tenant)) == balances
        assert len(stored(warehouse, "employee_bank_accounts", tenant)) == accounts
        cursor = warehouse.connection.cursor()
        cursor.execute(f"SELECT COUNT(*) FROM {warehouse.table('employees')} "  # noqa: S608
                       "WHERE tenant_id = ? AND home_city IS NOT NULL "
                       "AND residency_status IS NOT NULL", (tenant,))
        assert cursor.fetchone()[0] == len(truth)

    try:
        run_sync(source, warehouse, SyncRequest(EMPLOYEES, tenant, "first"))
        assert_whole()
        xero.admin("POST", "clock", json={"seconds": 60})
        (edited,) = edit_leave(xero, tenant, 1, 42.25)
        run_sync(source, warehouse, SyncRequest(EMPLOYEES, tenant, "incremental"))
        assert_whole()
        assert leave_units(warehouse, tenant)[edited.lower()] == 42.25
        # A manual full refresh, and the weekly reconciliation (a full refresh when due).
        outcome = run_sync(source, warehouse, SyncRequest(EMPLOYEES, tenant, "full",
                                                          full_refresh=True))
        assert_whole()
        assert outcome.counts.deleted == 0
    finally:
        warehouse.close()


# -- what an answer by id may hold ---------------------------------------------------------------


class Answers:
    """A client whose list gives summaries and whose answers by id are set per id."""

    def __init__(self, listed: list[Any], by_id: Mapping[str, Any]) -> None:
        self.listed = listed
        self.by_id = by_id
        self.asked: list[str] = []

    def get(self, resource: str, tenant_id: str, params: Mapping[str, Any] | None = None,
            modified_since: datetime | None = None, api: str = "accounting",
            collection: str | None = None) -> ApiResponse:
        self.asked.append(resource)
        if resource == "Employees":
            return ApiResponse({"Employees": self.listed}, Limits())
        answer = self.by_id[resource.split("/", 1)[1]]
        if isinstance(answer, Exception):
            raise answer
        return ApiResponse({"Employees": answer}, Limits(minute_remaining=7))


A, B = "0e4a7d3c-0000-4000-8000-00000000000a", "0e4a7d3c-0000-4000-8000-00000000000b"
WHOLE_A = {"EmployeeID": A, "UpdatedDateUTC": "/Date(1700000000000+0000)/",
           "LeaveBalances": [{"LeaveTypeID": B, "NumberOfUnits": 8}]}


def read(client: Answers) -> list[Page]:
    return list(extract(client, SPEC, "tenant"))  # type: ignore[arg-type]


def test_an_employee_gone_by_its_read_by_id_is_left_out_and_named(
        caplog: pytest.LogCaptureFixture) -> None:
    gone = XeroApiError("Xero answered … with HTTP 404", 404)
    client = Answers([{"EmployeeID": A, "UpdatedDateUTC": WHOLE_A["UpdatedDateUTC"]},
                      {"EmployeeID": B, "UpdatedDateUTC": WHOLE_A["UpdatedDateUTC"]},
                      {"FirstName": "no id"}], {A: [WHOLE_A], B: gone})
    with caplog.at_level(logging.WARNING, logger="xero_sync"):
        (page,) = read(client)
    assert page.records == [WHOLE_A, {"FirstName": "no id"}]  # the item without id: quarantined
    assert client.asked == ["Employees", f"Employees/{A}", f"Employees/{B}"]
    assert page.limits.minute_remaining == 7  # what the last answer said is left
    (warning,) = [r.getMessage() for r in caplog.records]
    assert f"EmployeeID {B} was listed but is gone when read by id" in warning


def test_any_other_refusal_by_id_fails_the_read() -> None:
    client = Answers([{"EmployeeID": A}], {A: XeroApiError("Xero answered with HTTP 400", 400)})
    with pytest.raises(XeroApiError, match="HTTP 400"):
        read(client)


@pytest.mark.parametrize("answer", [[], [{"EmployeeID": B}]], ids=["empty", "another"])
def test_an_answer_by_id_without_the_record_is_never_read_as_it(answer: list[Any]) -> None:
    client = Answers([{"EmployeeID": A}], {A: answer})
    with pytest.raises(MalformedResponse, match=f"Employees/{A} .* answered without that "
                                                "EmployeeID"):
        read(client)


# -- the mapping option ---------------------------------------------------------------------------


def employees_document(**changes: Any) -> dict[str, Any]:
    document = yaml.safe_load(EMPLOYEES_YAML.read_text(encoding="utf-8"))
    document.update(changes)
    return dict(document)


def test_read_each_by_id_defaults_to_false() -> None:
    document = employees_document()
    del document["read_each_by_id"]
    assert not parse_mapping(document, "employees.yaml").extract_spec().read_each_by_id


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_read_each_by_id_takes_true_or_false_only(value: Any) -> None:
    with pytest.raises(MappingError, match=rf"employees.yaml: read_each_by_id: found "
                                           rf"{value!r}; expected true or false"):
        parse_mapping(employees_document(read_each_by_id=value), "employees.yaml")
