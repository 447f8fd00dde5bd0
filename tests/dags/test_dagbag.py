"""Every mapping becomes a DAG that Airflow imports cleanly, shaped as decision 8 says."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from airflow.dag_processing.dagbag import DagBag
from airflow.sdk import CronDataIntervalTimetable

from xero_sync.dag_factory import POOL, build_dags
from xero_sync.mapping import MappingError, load_mappings

ROOT = Path(__file__).resolve().parents[2]
MAPPINGS = ROOT / "include" / "mappings"


@pytest.fixture(scope="module")
def dagbag() -> DagBag:
    return DagBag(dag_folder=str(ROOT / "dags"))


def test_one_dag_per_mapping_and_no_import_errors(dagbag: DagBag) -> None:
    assert dagbag.import_errors == {}
    expected = {f"xero__{m.name}" for m in load_mappings(MAPPINGS)}
    assert set(dagbag.dag_ids) == expected


def test_each_dag_has_pool_params_outlets_and_schedule(dagbag: DagBag) -> None:
    for mapping in load_mappings(MAPPINGS):
        dag = dagbag.dags[f"xero__{mapping.name}"]
        assert isinstance(dag.timetable, CronDataIntervalTimetable)
        assert dag.max_active_runs == 1
        assert not dag.catchup
        assert set(dag.params) == {"full_refresh", "modified_since", "tenant_ids"}
        for name in dag.params:
            assert dag.params.get_param(name).description
        sync = dag.get_task("sync")
        assert sync.pool == POOL
        tables = {mapping.table, *(c.table for c in mapping.all_children())}
        assert {a.uri.rsplit("/", 1)[-1] for a in sync.outlets} == tables
        assert dag.get_task("resolve_tenants").downstream_task_ids == {"sync"}
        assert mapping.description.strip()[:40] in (dag.doc_md or "")
        assert "xero" in dag.tags


def test_a_broken_mapping_is_an_import_error_naming_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "mappings"
    bad.mkdir()
    (bad / "broken.yaml").write_text("name: broken\nstrategy: sometimes\n")
    with pytest.raises(MappingError, match=r"broken\.yaml: .*"):
        build_dags(bad)
    dag_file = tmp_path / "dags.py"
    dag_file.write_text(
        "# airflow dag\nfrom xero_sync.dag_factory import build_dags\n"
        f"for d in build_dags({str(bad)!r}):\n    globals()[d.dag_id] = d\n")
    errors = DagBag(dag_folder=str(dag_file)).import_errors
    assert len(errors) == 1
    assert "broken.yaml" in next(iter(errors.values()))


def test_parsing_every_dag_takes_under_a_second_of_work() -> None:
    started = time.perf_counter()
    dags = build_dags(MAPPINGS)
    elapsed = time.perf_counter() - started
    assert dags
    # Not a benchmark (make bench measures parse time); a guard against network or heavy
    # work creeping into top-level code, with a wide margin for a loaded CI machine.
    assert elapsed < 10


def test_dags_do_not_share_param_objects() -> None:
    first, second = build_dags(MAPPINGS)[:2]
    first.params["tenant_ids"] = ["only-for-the-first"]
    first.params["full_refresh"] = True
    assert second.params["tenant_ids"] is None
    assert second.params["full_refresh"] is False
    rebuilt = build_dags(MAPPINGS)[0]  # nor into DAGs built later in the same process
    assert rebuilt.params["tenant_ids"] is None and rebuilt.params["full_refresh"] is False
