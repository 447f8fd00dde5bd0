"""The CeleryExecutor for real (issue 16): PostgreSQL metadata, Redis at 127.0.0.1:6379 (a
database of its own), the API server, scheduler and DAG processor, and two Celery workers on
this one host, each with its own node name, hostname and log port. Two DAGs sync three sandbox
organisations, two per task: every task succeeds, both workers run some, the mapped tasks are
labelled by organisation name, and the log of a task is readable through the API server
whichever worker ran it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import airflow_cluster
from xero_sandbox.server import Sandbox
from xero_sandbox.state import SandboxConfig

DAGS = ["xero__currencies", "xero__tax_rates"]
REDIS_DB = 13  # the test's own: flushed before and after


def redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(f"{airflow_cluster.REDIS}/{REDIS_DB}",
                                         socket_connect_timeout=3).ping())
    except redis.RedisError:
        return False


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory,
            ) -> Iterator[tuple[airflow_cluster.Cluster, dict[str, str]]]:
    from tests.auth.conftest import postgres_available

    if not postgres_available():
        pytest.skip("PostgreSQL at 127.0.0.1:5432 is unreachable (REQUIRE_POSTGRES=1 fails)")
    if not redis_answers():
        pytest.fail("Redis at 127.0.0.1:6379 does not answer: start it (the CeleryExecutor "
                    "needs a broker)")
    home: Path = tmp_path_factory.mktemp("celery")
    with Sandbox(SandboxConfig(seed=16, tenants=3, scale=30, auto_consent=True)) as sandbox:
        deployed = airflow_cluster.prepare(home, sandbox.url, redis_db=REDIS_DB, env={
            "XERO_SYNC_ORGANISATIONS_PER_TASK": "2", "XERO_SYNC_THREADS_PER_TASK": "2"})
        try:
            airflow_cluster.start(deployed, workers=2, concurrency=1)
            yield deployed, dict(sandbox.state.tenant_names)
        finally:
            deployed.stop()


def test_two_celery_workers_run_the_dags_to_success(
        cluster: tuple[airflow_cluster.Cluster, dict[str, str]]) -> None:
    deployed, names = cluster
    runs = airflow_cluster.run_scheduled(deployed, DAGS, timeout=420)
    assert sorted(runs) == [(dag, "success") for dag in DAGS]
    tis = airflow_cluster.task_instances(deployed)
    assert {(ti["dag_id"], ti["state"]) for ti in tis} == {(dag, "success") for dag in DAGS}
    syncs = [ti for ti in tis if ti["task_id"] == "sync"]
    assert sorted(ti["map_index"] for ti in syncs) == [0, 0, 1, 1]  # 3 organisations, 2 a task
    for ti in syncs:
        assert any(name in ti["label"] for name in names.values()), ti["label"]
    workers = {ti["hostname"].split(".")[0] for ti in tis}
    assert workers == {"worker1", "worker2"}, workers

    for worker in ("worker1", "worker2"):  # the UI reads the log of either worker's task
        ran = next(ti for ti in tis if ti["hostname"].startswith(worker + "."))
        log = airflow_cluster.task_log(deployed, ran)
        assert "organisation" in log, log[-2000:]
