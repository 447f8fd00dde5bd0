"""The worker groups conftest gives tests are the groups pytest-xdist's loadgroup reads."""

from __future__ import annotations

from xdist.scheduler.loadgroup import LoadGroupScheduling

from tests.xdist_groups import xdist_group

E2E = "tests/e2e/test_all_dags.py::test_first_run_equals_the_truth[{}-{}]"


def scope(nodeid: str, group: str) -> str:
    """The work unit xdist puts a test marked with ``group`` in (its own parsing)."""
    scheduler = LoadGroupScheduling.__new__(LoadGroupScheduling)  # parsing needs no config
    return scheduler._split_scope(f"{nodeid}@{group}")


def test_a_spread_over_module_is_one_unit_per_fixture_value() -> None:
    units = {
        (warehouse, mapping): scope(E2E.format(warehouse, mapping),
                                    xdist_group(E2E.format(warehouse, mapping),
                                                {"scenario": warehouse, "mapping": mapping},
                                                ("scenario",), spread=False))
        for warehouse in ("sqlite", "mssql") for mapping in ("accounts", "invoices")}
    assert units[("sqlite", "accounts")] == units[("sqlite", "invoices")]
    assert units[("mssql", "accounts")] == units[("mssql", "invoices")]
    assert units[("sqlite", "accounts")] != units[("mssql", "accounts")]


def test_a_module_is_one_unit_and_a_spread_test_its_own() -> None:
    first, second = (f"tests/warehouse/test_load.py::test_x[{n}]" for n in ("a", "b"))
    assert scope(first, xdist_group(first, {}, None, spread=False)) == scope(
        second, xdist_group(second, {}, None, spread=False))
    assert scope(first, xdist_group(first, {}, None, spread=True)) != scope(
        second, xdist_group(second, {}, None, spread=True))
