"""Many organisations per sync task (issue 16): batches, the DAGs' spread over organisations,
labels by name, failures per organisation and retries that sync only the failed ones."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from airflow.sdk.definitions.retry_policy import RetryAction
from cryptography.fernet import Fernet

from tests.auth.conftest import connect_app, sandbox_settings
from xero_sandbox.server import Sandbox
from xero_sandbox.state import SandboxConfig
from xero_sync.auth.crypto import TokenCipher
from xero_sync.auth.token_store import token_store
from xero_sync.batches import (
    DEFAULT_PER_TASK,
    MAX_LABEL,
    PER_TASK_VARIABLE,
    Organisation,
    OrganisationsFailed,
    OrganisationsNeedAction,
    batches,
    label,
    organisations_per_task,
    run_batch,
    spread,
)
from xero_sync.dag_factory import RETRY_POLICY, build_dags
from xero_sync.errors import ConfigurationError, DayLimitReached, XeroUnavailable
from xero_sync.mapping import load_mapping
from xero_sync.scopes import EVERY_OBJECT
from xero_sync.tasks import resolve_run_batches, sync_organisations
from xero_sync.warehouse.dbapi import WarehouseTarget
from xero_sync.warehouse.factory import warehouse_for

ROOT = Path(__file__).resolve().parents[2]
MAPPINGS = ROOT / "include" / "mappings"


def organisations(count: int) -> list[Organisation]:
    return [Organisation(f"00000000-0000-4000-8000-{n:012d}", f"Org {n}") for n in range(count)]


# -- batches and spread -----------------------------------------------------------------------


def test_batches_cover_every_organisation_once_in_even_batches() -> None:
    orgs = organisations(41)
    chosen = batches(orgs, 20)
    assert [len(batch) for batch in chosen] == [14, 14, 13]
    assert [o for batch in chosen for o in batch] == orgs
    assert batches(orgs, 1) == [[o] for o in orgs]
    assert batches([], 20) == []


def test_organisations_per_task_comes_from_the_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PER_TASK_VARIABLE, raising=False)
    assert organisations_per_task() == DEFAULT_PER_TASK
    monkeypatch.setenv(PER_TASK_VARIABLE, "7")
    assert organisations_per_task() == 7
    monkeypatch.setenv(PER_TASK_VARIABLE, "many")
    with pytest.raises(ConfigurationError, match=f"{PER_TASK_VARIABLE} is 'many'"):
        organisations_per_task()


def test_dags_due_together_start_on_different_organisations() -> None:
    """25 DAGs over 200 organisations, 20 a task and 5 at once: the organisations the first
    task of every DAG starts on meet at most twice, where the same order for every DAG puts
    all 25 DAGs on the same 5 organisations."""
    orgs, dags, threads = organisations(200), 25, 5
    starting = Counter(o for k in range(dags)
                       for o in batches(spread(orgs, k), DEFAULT_PER_TASK)[0][:threads])
    unspread = Counter(o for _ in range(dags)
                       for o in batches(orgs, DEFAULT_PER_TASK)[0][:threads])
    assert max(unspread.values()) == dags
    assert max(starting.values()) <= 2
    for k in range(dags):
        assert sorted(spread(orgs, k), key=lambda o: o.tenant_id) == orgs  # a rotation


def test_labels_name_the_organisations_within_airflows_column() -> None:
    one = organisations(1)[0]
    assert label([one.to_xcom()]) == f"Org 0 ({one.tenant_id})"
    many = label([o.to_xcom() for o in organisations(3)])
    assert many == "3 organisations: Org 0, Org 1, Org 2"
    long = label([Organisation(o.tenant_id, "Harbour Bridge Joinery Pty " + o.name).to_xcom()
                  for o in organisations(20)])
    assert len(long) == MAX_LABEL and long.startswith("20 organisations: Harbour")


def test_every_dag_labels_its_sync_tasks_by_organisation() -> None:
    dag = build_dags(MAPPINGS)[0]
    sync = dag.get_task("sync")
    template = dag.get_template_env().from_string(sync.map_index_template)
    rendered = template.render(task=SimpleNamespace(
        op_kwargs={"organisations": [{"tenant_id": "a1", "name": "Kōwhai Coffee Roasters Ltd"}]}))
    assert rendered == "Kōwhai Coffee Roasters Ltd (a1)"


# -- failures ---------------------------------------------------------------------------------


def test_one_failure_lets_the_others_finish_and_names_the_failed() -> None:
    orgs = organisations(6)
    done: list[str] = []
    lock = threading.Lock()

    def sync_one(organisation: Organisation) -> str:
        if organisation.name == "Org 2":
            raise XeroUnavailable("Xero answered 503 six times")
        time.sleep(0.01)
        with lock:
            done.append(organisation.name)
        return organisation.name

    with pytest.raises(OrganisationsFailed) as caught:
        run_batch(orgs, sync_one, threads=3)
    assert sorted(done) == ["Org 0", "Org 1", "Org 3", "Org 4", "Org 5"]
    error = caught.value
    assert error.failed == [orgs[2]]
    assert f"- Org 2 ({orgs[2].tenant_id}): XeroUnavailable: Xero answered 503" in str(error)
    assert "1 of 6 organisation(s) failed" in str(error)
    assert RETRY_POLICY.evaluate(error, 1, 4).action != RetryAction.FAIL
    assert run_batch(orgs[:2], lambda o: o.name, threads=5) == ["Org 0", "Org 1"]


def test_failures_that_need_a_person_fail_at_once() -> None:
    def sync_one(organisation: Organisation) -> None:
        raise DayLimitReached(f"{organisation.name}: daily limit spent; resets at 00:00 UTC")

    with pytest.raises(OrganisationsNeedAction) as caught:
        run_batch(organisations(2), sync_one, threads=2)
    assert RETRY_POLICY.evaluate(caught.value, 1, 4).action == RetryAction.FAIL
    assert "retrying cannot fix these" in str(caught.value)


# -- the tasks against the sandbox ------------------------------------------------------------


@pytest.fixture(scope="module")
def three_orgs() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(seed=16, tenants=3, scale=40, auto_consent=True)) as running:
        yield running


@pytest.fixture
def connected(three_orgs: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Connections as a worker has them; tokens stored by an earlier 'authorize'."""
    three_orgs.state.reset(identity=True, clock=True)
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("XERO_SYNC_FERNET_KEY", key)
    config = three_orgs.state.config
    monkeypatch.setenv("AIRFLOW_CONN_XERO_DEFAULT", json.dumps({
        "conn_type": "xero", "login": config.client_id, "password": config.client_secret,
        "extra": {"api_url": three_orgs.url, "identity_url": three_orgs.url,
                  "login_url": three_orgs.url, "scopes": " ".join(EVERY_OBJECT)}}))
    database = str(tmp_path / "warehouse.db")
    monkeypatch.setenv("AIRFLOW_CONN_XERO_WAREHOUSE", json.dumps(
        {"conn_type": "sqlite", "host": database}))
    store = token_store(WarehouseTarget("sqlite", database), TokenCipher(key))
    connect_app(three_orgs, sandbox_settings(three_orgs, scopes=EVERY_OBJECT), store)
    return database


def context(try_number: int = 1) -> dict[str, Any]:
    run = SimpleNamespace(run_id="manual__2026-12-05T00:00:00", run_type="manual")
    return {"params": {}, "dag_run": run, "ti": SimpleNamespace(try_number=try_number),
            "data_interval_start": None, "data_interval_end": None}


def sync_runs(database: str) -> list[tuple[Any, ...]]:
    warehouse = warehouse_for(WarehouseTarget("sqlite", database))
    try:
        cursor = warehouse.connection.execute(
            "SELECT tenant_id, tenant_name, status FROM xero__sync_runs ORDER BY started_at")
        return [tuple(row) for row in cursor.fetchall()]
    finally:
        warehouse.close()


def test_a_batch_syncs_named_organisations_and_its_retry_only_the_failed(
        connected: str, three_orgs: Sandbox, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    mapping = load_mapping(MAPPINGS / "currencies.yaml")
    monkeypatch.setenv(PER_TASK_VARIABLE, "3")
    (batch,) = resolve_run_batches(mapping, context(), dag_index=1)
    names = three_orgs.state.tenant_names
    assert {o["tenant_id"]: o["name"] for o in batch} == names
    assert [o["tenant_id"] for o in batch] != list(names)  # this DAG starts further on

    failing = batch[1]["tenant_id"]
    three_orgs.state.faults.add({"kind": "429_day", "nth": 1, "count": 1, "tenant": failing})
    with pytest.raises(OrganisationsNeedAction) as caught:
        sync_organisations(mapping, batch, context())
    assert f"{names[failing]} ({failing}): DayLimitReached" in str(caught.value)
    for tenant, name in names.items():  # the log names every organisation beside its id
        assert f"currencies for {name} ({tenant})" in caplog.text
    first = sync_runs(connected)
    assert sorted(first) == sorted(
        (tenant, name, "failed" if tenant == failing else "success")
        for tenant, name in names.items())

    calls_before = dict(three_orgs.state.stats.calls)
    results = sync_organisations(mapping, batch, context(try_number=2))
    assert [r["tenant_id"] for r in results] == [failing]
    assert results[0]["tenant_name"] == names[failing]
    called = {tenant for (tenant, _), count in three_orgs.state.stats.calls.items()
              if count != calls_before.get((tenant, _), 0)}
    assert called <= {failing, None}
    assert sync_runs(connected)[len(first):] == [(failing, names[failing], "success")]
