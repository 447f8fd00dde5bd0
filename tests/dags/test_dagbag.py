"""Every mapping becomes a DAG that Airflow imports cleanly, shaped as decision 8 says; the one
DAG that is not a mapping's is ``xero__reports`` (Xero's own reports, snapshotted)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from airflow.dag_processing.dagbag import DagBag
from airflow.sdk import AssetOrTimeSchedule, CronDataIntervalTimetable, get_parsing_context
from airflow.sdk.definitions.retry_policy import RetryAction
from airflow.serialization.serialized_objects import DagSerialization

from demo_run_dags import parsing_context
from xero_sync.dag_factory import POOL, REPORTS_DAG_ID, RETRY_POLICY, build_dags
from xero_sync.mapping import MappingError, load_mappings

ROOT = Path(__file__).resolve().parents[2]
MAPPINGS = ROOT / "include" / "mappings"


@pytest.fixture(scope="module")
def dagbag() -> DagBag:
    return DagBag(dag_folder=str(ROOT / "dags"))


def test_one_dag_per_mapping_plus_the_reports_dag_and_no_import_errors(dagbag: DagBag) -> None:
    assert dagbag.import_errors == {}
    expected = {f"xero__{m.name}" for m in load_mappings(MAPPINGS)} | {REPORTS_DAG_ID}
    assert set(dagbag.dag_ids) == expected


def test_the_reports_dag_snapshots_then_checks_daily(dagbag: DagBag) -> None:
    dag = dagbag.dags[REPORTS_DAG_ID]
    assert isinstance(dag.timetable, CronDataIntervalTimetable)
    assert dag.max_active_runs == 1 and not dag.catchup
    assert set(dag.params) == {"dates", "month_ends", "reports", "aged_contacts", "tenant_ids"}
    assert dag.get_task("resolve_tenants").downstream_task_ids == {"snapshot", "check"}
    assert dag.get_task("snapshot").downstream_task_ids == {"check"}
    assert dag.get_task("snapshot").pool == POOL
    assert {a.uri.rsplit("/", 1)[-1] for a in dag.get_task("snapshot").outlets} == {
        "report_snapshots", "report_snapshot_lines"}


def test_each_dag_has_pool_params_outlets_and_schedule(dagbag: DagBag) -> None:
    for mapping in load_mappings(MAPPINGS):
        dag = dagbag.dags[f"xero__{mapping.name}"]
        cron = dag.timetable.timetable if mapping.webhooks else dag.timetable
        assert isinstance(cron, CronDataIntervalTimetable)
        assert cron.expression == mapping.schedule
        assert dag.max_active_runs == 1
        assert not dag.catchup
        assert set(dag.params) == {"full_refresh", "modified_since", "tenant_ids",
                                   *(["webhook_events"] if mapping.webhooks else [])}
        for name in dag.params:
            assert dag.params.get_param(name).description
        sync = dag.get_task("sync")
        assert sync.pool == POOL
        tables = {mapping.table, *(c.table for c in mapping.all_children())}
        assert {a.uri.rsplit("/", 1)[-1] for a in sync.outlets} == tables
        assert dag.get_task("resolve_tenants").downstream_task_ids == {"sync"}
        assert mapping.description.strip()[:40] in (dag.doc_md or "")
        assert "xero" in dag.tags


def test_objects_with_webhooks_also_run_on_their_webhook_asset(dagbag: DagBag) -> None:
    with_webhooks = {m.name: m for m in load_mappings(MAPPINGS) if m.webhooks}
    assert set(with_webhooks) == {"contacts", "invoices", "credit_notes"}
    for name, mapping in with_webhooks.items():
        timetable = dagbag.dags[f"xero__{name}"].timetable
        assert isinstance(timetable, AssetOrTimeSchedule)
        (asset,) = timetable.asset_condition.objects
        (watcher,) = asset.watchers
        classpath, kwargs = watcher.trigger.serialize()
        assert classpath == "xero_sync.webhooks.trigger.PendingWebhookEvents"
        assert kwargs["category"] == mapping.webhooks
        assert kwargs["warehouse_conn_id"] == "xero_warehouse"


def _dagbag_over(mappings: Path, tmp_path: Path) -> DagBag:
    """A DAG file like dags/xero_sync_dags.py, reading ``mappings``."""
    dag_file = tmp_path / "dags.py"
    dag_file.write_text(
        "# airflow dag\nfrom xero_sync.dag_factory import build_dags\n"
        f"for d in build_dags({str(mappings)!r}):\n    globals()[d.dag_id] = d\n")
    return DagBag(dag_folder=str(dag_file))


def test_one_broken_mapping_breaks_only_its_own_dag(tmp_path: Path) -> None:
    copied = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, copied)
    invoices = copied / "invoices.yaml"
    invoices.write_text(invoices.read_text().replace("strategy: paged", "strategy: pagd"))
    with pytest.raises(MappingError) as caught:
        load_mappings(copied)  # what the DAG's docs and its failure show
    message = str(caught.value)
    assert "invoices.yaml: strategy: found 'pagd'; expected one of" in message

    dagbag = _dagbag_over(copied, tmp_path)
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) == {f"xero__{m.name}" for m in load_mappings(MAPPINGS)} | {
        REPORTS_DAG_ID}
    for dag_id in dagbag.dag_ids:  # every other object still syncs
        if dag_id not in ("xero__invoices", REPORTS_DAG_ID):
            assert dagbag.dags[dag_id].get_task("sync").pool == POOL
    broken = dagbag.dags["xero__invoices"]
    assert message in (broken.doc_md or "")
    assert "broken-mapping" in broken.tags
    failing = broken.get_task("mapping_error")
    assert failing.retries == 0
    with pytest.raises(MappingError) as failed:
        failing.python_callable()  # type: ignore[attr-defined]
    assert str(failed.value) == message
    assert RETRY_POLICY.evaluate(failed.value, 1, 1).action == RetryAction.FAIL


def test_stray_and_duplicate_files_break_only_themselves(tmp_path: Path) -> None:
    copied = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, copied)
    (copied / "invoices.yml").write_text((copied / "invoices.yaml").read_text())
    twin = (copied / "contacts.yaml").read_text().replace("name: contacts", "name: zcontacts")
    (copied / "zcontacts.yaml").write_text(twin)
    (copied / "latin.yaml").write_bytes(b"name: caf\xe9\n")
    (copied / "folder.yaml").mkdir()
    (copied / "mixed.yaml").write_text("1: a\nzzz: b\n")
    reports = (copied / "items.yaml").read_text().replace("name: items", "name: reports")
    (copied / "reports.yaml").write_text(reports)
    dagbag = _dagbag_over(copied, tmp_path)
    assert dagbag.import_errors == {}
    good = {f"xero__{m.name}" for m in load_mappings(MAPPINGS)} | {REPORTS_DAG_ID}
    assert set(dagbag.dag_ids) == good | {
        "xero__invoices.yml", "xero__zcontacts", "xero__latin", "xero__folder", "xero__mixed",
        "xero__reports.yaml"}
    for dag_id, reason in (("xero__latin", "latin.yaml: not UTF-8 text"),
                           ("xero__folder", "folder.yaml: cannot be read"),
                           ("xero__mixed", "mixed.yaml: 1: found 'an unknown field'"),
                           ("xero__reports.yaml", "reports.yaml: name: found 'reports'; "
                                                  "expected a name the project does not use")):
        assert reason in str(dagbag.dags[dag_id].doc_md)
    assert dagbag.dags["xero__invoices"].get_task("sync")  # the good invoices.yaml
    assert "invoices.yml: found a file that is not a mapping" in str(
        dagbag.dags["xero__invoices.yml"].doc_md)
    assert "zcontacts.yaml: table 'contact_addresses' is also defined by" in str(
        dagbag.dags["xero__zcontacts"].doc_md)


def test_parsed_for_one_dag_the_file_holds_that_dag_alone_as_it_is_among_all(
        dagbag: DagBag, tmp_path: Path) -> None:
    """Airflow parses the DAG file in a task's DAG's context to run the task (so does
    tools/demo_run_dags.py around ``dag.test()``): that DAG alone, the same as in a full
    parse; an id the file does not hold gets every DAG."""
    for dag_id in ("xero__invoices", "xero__employees", REPORTS_DAG_ID):
        with parsing_context(dag_id=dag_id):
            alone = DagBag(dag_folder=str(ROOT / "dags"))
        assert alone.import_errors == {}
        assert alone.dag_ids == [dag_id]
        assert (DagSerialization.to_dict(alone.dags[dag_id])
                == DagSerialization.to_dict(dagbag.dags[dag_id]))
    with parsing_context(dag_id="someone_elses_dag"):
        assert set(DagBag(dag_folder=str(ROOT / "dags")).dag_ids) == set(dagbag.dag_ids)
    # Left behind, it would make every later parse here, and in programs started from here,
    # build one DAG (Airflow's own context manager does leave it when none was set before).
    assert get_parsing_context().dag_id is None
    copied = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, copied)
    (copied / "invoices.yml").write_text((copied / "invoices.yaml").read_text())
    assert [d.dag_id for d in build_dags(copied, only="xero__invoices.yml")] == [
        "xero__invoices.yml"]
    assert "not a mapping" in str(build_dags(copied, only="xero__invoices.yml")[0].doc_md)


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
