"""The worker groups of ``tests/xdist_groups.py`` hold on two real pytest-xdist workers: a
module-scoped fixture of a ``spread_over`` module is set up once per value in the whole run,
not once per worker, and the values go to different workers."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from xdist.scheduler.loadgroup import LoadGroupScheduling

from tests.xdist_groups import xdist_group

ROOT = Path(__file__).resolve().parents[2]
SPREAD_MODULE = '''
import os
import pytest

pytestmark = pytest.mark.spread_over("scenario")


@pytest.fixture(scope="module", params=["sqlite", "postgres", "mssql"])
def scenario(request):
    with open(os.environ["SETUPS_LOG"], "a") as log:
        log.write(f"{os.environ['PYTEST_XDIST_WORKER']} {request.param}\\n")
    return request.param


@pytest.mark.parametrize("mapping", range(12))
def test_mapping(scenario, mapping):
    pass
'''
OTHER_MODULE = '''
import pytest


@pytest.mark.parametrize("n", range(12))
def test_other(n):
    pass
'''


def test_each_scenario_is_set_up_once_on_two_workers(tmp_path: Path) -> None:
    (tmp_path / "test_spread.py").write_text(SPREAD_MODULE)
    # Collected after test_spread.py: xdist hands each worker one work unit before any test
    # runs, so the first two scenarios start on different workers whatever the timing. Named
    # test_other.py, it came first and took one worker's first unit; the other worker could
    # then drain its scenario first and take both others (seen once in a CI run).
    (tmp_path / "test_unspread.py").write_text(OTHER_MODULE)
    setups = tmp_path / "setups.log"
    env = {**os.environ, "SETUPS_LOG": str(setups),
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p",
         "tests.xdist_groups", "-n", "2", "--dist", "loadgroup", "--no-loadscope-reorder",
         "-o", "addopts=", "-o", "markers=spread_over(*f)", str(tmp_path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    lines = setups.read_text().split()
    by_value = Counter(lines[1::2])
    assert by_value == {"sqlite": 1, "postgres": 1, "mssql": 1}, setups.read_text()
    assert len(set(lines[0::2])) == 2, setups.read_text()  # both workers had a scenario


def scope(nodeid: str, group: str) -> str:
    """The work unit xdist puts a test of ``group`` in (xdist's own parsing)."""
    scheduler = LoadGroupScheduling.__new__(LoadGroupScheduling)  # parsing needs no config
    return scheduler._split_scope(f"{nodeid}@{group}")


def test_group_names_are_read_as_groups_by_xdist() -> None:
    test = "tests/e2e/test_all_dags.py::test_first_run_equals_the_truth[{}-{}]"
    units = {(w, m): scope(test.format(w, m), xdist_group(test.format(w, m), {"scenario": w},
                                                          ("scenario",), spread=False))
             for w in ("sqlite", "mssql") for m in ("accounts", "invoices")}
    assert units[("sqlite", "accounts")] == units[("sqlite", "invoices")]
    assert units[("mssql", "accounts")] == units[("mssql", "invoices")]
    assert units[("sqlite", "accounts")] != units[("mssql", "accounts")]
    first, second = (f"tests/warehouse/test_load.py::test_x[{n}]" for n in ("a", "b"))
    assert scope(first, xdist_group(first, {}, None, spread=False)) == scope(
        second, xdist_group(second, {}, None, spread=False))
    assert scope(first, xdist_group(first, {}, None, spread=True)) != scope(
        second, xdist_group(second, {}, None, spread=True))
