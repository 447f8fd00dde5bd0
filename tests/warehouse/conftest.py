"""Fixtures: each load test runs on SQLite and on PostgreSQL (a scratch schema, dropped after).

PostgreSQL is the server at 127.0.0.1:5432 (trust auth, database ``postgres``); its tests skip
when it is unreachable unless ``REQUIRE_POSTGRES=1``, which makes them fail instead.
``test_mssql_live.py`` runs the same tests on SQL Server when ``XERO_SYNC_TEST_MSSQL`` is set.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.warehouse.support import Scratch, postgres_scratch, sqlite_scratch
from xero_sandbox.generator import generate_organisation
from xero_sync.mapping import ObjectMapping, load_mapping
from xero_sync.warehouse.sqlbase import SqlWarehouse

ROOT = Path(__file__).resolve().parents[2]
TENANT = "5a0b7c1e-2d3f-4a5b-8c6d-7e8f9a0b1c2d"


@pytest.fixture(scope="session")
def invoices_mapping() -> ObjectMapping:
    """include/mappings/invoices.yaml."""
    return load_mapping(ROOT / "include" / "mappings" / "invoices.yaml")


@pytest.fixture(scope="session")
def _organisation() -> dict[str, list[dict[str, Any]]]:
    return generate_organisation(3, 0, TENANT, "Warehouse Test Ltd", 60)


@pytest.fixture
def invoices(_organisation: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """About 60 sandbox invoices (line items, tracking, payments, credit notes), a fresh copy,
    oldest change first as Xero pages them."""
    records = copy.deepcopy(_organisation["Invoices"])
    return sorted(records, key=lambda r: (r["UpdatedDateUTC"], r["InvoiceID"]))


@pytest.fixture(scope="session")
def credit_notes_mapping() -> ObjectMapping:
    """include/mappings/credit_notes.yaml."""
    return load_mapping(ROOT / "include" / "mappings" / "credit_notes.yaml")


@pytest.fixture
def credit_notes(_organisation: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The sandbox organisation's credit notes that carry every child id (the sandbox leaves
    them out of some), a fresh copy, oldest change first."""
    records = [r for r in copy.deepcopy(_organisation["CreditNotes"])
               if all("LineItemID" in c for c in r.get("LineItems") or [])
               and all("AllocationID" in c for c in r.get("Allocations") or [])]
    assert any(r.get("Allocations") for r in records)
    return sorted(records, key=lambda r: (r["UpdatedDateUTC"], r["CreditNoteID"]))


@pytest.fixture(scope="session")
def journals_mapping() -> ObjectMapping:
    """include/mappings/journals.yaml."""
    return load_mapping(ROOT / "include" / "mappings" / "journals.yaml")


@pytest.fixture
def journals(_organisation: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The sandbox organisation's journals (over a hundred), a fresh copy, in number order."""
    records = copy.deepcopy(_organisation["Journals"])
    assert len(records) > 110
    return sorted(records, key=lambda r: r["JournalNumber"])


@pytest.fixture
def tax_rates(_organisation: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The sandbox organisation's tax rates (keyed by TaxType, a text key), a fresh copy."""
    return copy.deepcopy(_organisation["TaxRates"])


@pytest.fixture(params=["sqlite", "postgres"])
def scratch(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Scratch]:
    """An empty warehouse on each dialect."""
    if request.param == "sqlite":
        yield from sqlite_scratch(tmp_path)
    else:
        yield from postgres_scratch()


@pytest.fixture
def warehouse(scratch: Scratch, invoices_mapping: ObjectMapping) -> SqlWarehouse:
    """A warehouse with the invoices tables created."""
    opened = scratch.open()
    opened.ensure_tables([invoices_mapping])
    return opened
