"""``make bench`` section ``organisations``: Airflow's cost of many organisations (issue 16).

A real CeleryExecutor deployment (tools/airflow_cluster.py: PostgreSQL metadata, Redis, two
workers on this host) syncs N sandbox organisations for D DAGs, one scheduled round, twice:
one organisation per sync task (``XERO_SYNC_ORGANISATIONS_PER_TASK=1``, the old shape) and
the default batches of 20 (5 at a time in each task). The sandbox keeps Xero's default rate
limits, so its 429s are counted as they would be served.

CPU is measured for the whole deployment during the round (API server, scheduler, DAG
processor, workers and every task process, from the first task queued to the last run
finished): the CPU time of each component and its descendants, live and reaped, by psutil, at
both ends; less what the deployment spends idle for as long (measured for 20 s before the
round), which is time, not work. The sync work itself (HTTP, transform, load) is the same in
both shapes, so the difference is Airflow's overhead. Figures per organisation-object sync
(N x D), and the projection to 200 organisations x 25 DAGs every hour: task instances an hour
and CPU minutes a round.

    PYTHONPATH=plugins:tools .venv/bin/python -m bench.organisations [--organisations 40]
        [--dags 4] [--per-task 1,20]
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import airflow_cluster

HOW_TO_READ = ("one scheduled round of N organisations x D DAGs on a real CeleryExecutor "
               "deployment (2 workers), one organisation per task (before) against batches "
               "(after); CPU = the deployment's CPU seconds during the round (Airflow and the "
               "syncs); peak/org = the most calls in flight for one organisation at once "
               "(Xero allows 5); per sync = CPU / (N x D); projection: 200 organisations x 25 "
               "DAGs an hour; goal: 5x less CPU per sync, 0 answers of 429")
# Cheap, webhook-free objects: the round measures Airflow, not Xero's data volume.
DAGS = ("xero__currencies", "xero__tax_rates", "xero__tracking_categories",
        "xero__branding_themes", "xero__contact_groups", "xero__users", "xero__organisation",
        "xero__accounts")
REDIS_DB = 14
IDLE_SECONDS = 20.0
PROJECTED_ORGANISATIONS, PROJECTED_DAGS = 200, 25


def deployment_cpu(cluster: airflow_cluster.Cluster) -> float:
    """CPU seconds used so far by every running component and its descendants (those reaped
    are in their parents' children times)."""
    import psutil

    total = 0.0
    for process in cluster.processes.values():
        try:
            root = psutil.Process(process.pid)
            members = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
        for member in members:
            try:
                times = member.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system + times.children_user + times.children_system
    return total


def dag_ids(count: int) -> list[str]:
    """The cheap DAGs first, then every other mapping's (all of them past ``len(DAGS)``)."""
    from xero_sync.mapping import load_mappings

    every = [f"xero__{m.name}" for m in load_mappings(airflow_cluster.ROOT / "include" /
                                                        "mappings")]
    return [*DAGS, *(d for d in every if d not in DAGS)][:count]


def measure(organisations: int, dags: int, per_task: int, scale: int = 40,
            latency: float = 0.0) -> dict[str, Any]:
    """One round at one batch size, in a deployment of its own; with ``latency``, every API
    call of the sandbox answers that many seconds late (its ``slow`` fault)."""
    from xero_sandbox.server import Sandbox
    from xero_sandbox.state import SandboxConfig

    chosen = dag_ids(dags)
    home = Path(tempfile.mkdtemp(prefix="bench-organisations-"))
    config = SandboxConfig(seed=16, tenants=organisations, scale=scale, auto_consent=True)
    with Sandbox(config) as sandbox:
        if latency:
            sandbox.state.faults.add({"kind": "slow", "rate": 1.0, "delay": latency})
        cluster = airflow_cluster.prepare(home, sandbox.url, redis_db=REDIS_DB,
                                          pool_slots=8, env={
                                              "XERO_SYNC_ORGANISATIONS_PER_TASK": str(per_task),
                                              "XERO_SYNC_THREADS_PER_TASK": "5"})
        try:
            airflow_cluster.start(cluster, workers=2, concurrency=4)
            airflow_cluster.wait_parsed(cluster, chosen, timeout=300)
            idle_rate = _idle_rate(cluster, IDLE_SECONDS)
            before_cpu, before_calls = deployment_cpu(cluster), _calls(sandbox)
            started = time.monotonic()
            runs = airflow_cluster.run_scheduled(cluster, chosen, timeout=3600)
            wall = time.monotonic() - started
            cpu = deployment_cpu(cluster) - before_cpu
            tis = airflow_cluster.task_instances(cluster)
            calls = _calls(sandbox) - before_calls
            stats = sandbox.state.stats.as_json()
            peak = sandbox.state.limiter.peak_in_flight()
        finally:
            cluster.stop()
            shutil.rmtree(home, ignore_errors=True)
    syncs = organisations * dags
    idle = idle_rate * wall
    per_sync = (cpu - idle) / syncs
    tasks_per_round = PROJECTED_DAGS * (1 + math.ceil(PROJECTED_ORGANISATIONS / per_task))
    return {
        "organisations": organisations, "dags": dags, "per_task": per_task,
        "latency_seconds": latency,
        "runs_failed": sum(1 for _, state in runs if state != "success"),
        "task_instances": len(tis),
        "task_instances_failed": sum(1 for ti in tis if ti["state"] != "success"),
        "wall_seconds": round(wall, 1), "cpu_seconds": round(cpu, 1),
        "idle_cpu_seconds": round(idle, 1),
        "cpu_seconds_per_sync": round(per_sync, 3),
        "api_calls": calls,
        "answers_429": sum(stats["rate_limited"].values()),
        "peak_calls_in_flight_per_organisation": peak,
        "projected_task_instances_per_hour": tasks_per_round,
        "projected_cpu_minutes_per_round": round(
            per_sync * PROJECTED_ORGANISATIONS * PROJECTED_DAGS / 60, 1),
    }


def _idle_rate(cluster: airflow_cluster.Cluster, seconds: float) -> float:
    """CPU seconds a second the deployment spends with nothing to run (scheduler loop, API
    server, DAG processor, idle workers): subtracted from a round as time, not work."""
    start = deployment_cpu(cluster)
    time.sleep(seconds)
    return (deployment_cpu(cluster) - start) / seconds


def _calls(sandbox: Any) -> int:
    return int(sandbox.state.stats.as_json()["calls_total"])


def run(organisations: int, dags: int, per_task: list[int],
        latency: float = 0.0) -> dict[str, Any]:
    """Every batch size in turn; the ratio of CPU per sync, first to last."""
    results = []
    for size in per_task:
        print(f"  organisations: {organisations} x {dags} DAGs, {size} a task ...", flush=True)
        results.append(measure(organisations, dags, size, latency=latency))
    first, last = results[0]["cpu_seconds_per_sync"], results[-1]["cpu_seconds_per_sync"]
    return {"results": results,
            "cpu_per_sync_ratio": round(first / last, 1) if last else None}


def render(report: dict[str, Any]) -> str:
    """A table, one line per batch size."""
    lines = [f"{'per task':>8} {'TIs':>5} {'wall s':>7} {'CPU s':>7} {'idle':>5} "
             f"{'CPU s/sync':>10} {'calls':>6} {'429s':>5} {'peak/org':>8} "
             f"{'TIs/h @200x25':>14} "
             f"{'CPU min/round @200x25':>22}"]
    for r in report["results"]:
        lines.append(f"{r['per_task']:>8} {r['task_instances']:>5} {r['wall_seconds']:>7} "
                     f"{r['cpu_seconds']:>7} {r['idle_cpu_seconds']:>5} "
                     f"{r['cpu_seconds_per_sync']:>10} "
                     f"{r['api_calls']:>6} {r['answers_429']:>5} "
                     f"{r['peak_calls_in_flight_per_organisation']:>8} "
                     f"{r['projected_task_instances_per_hour']:>14} "
                     f"{r['projected_cpu_minutes_per_round']:>22}")
    lines.append(f"CPU per organisation-object sync, first / last: "
                 f"{report['cpu_per_sync_ratio']}x")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run alone: print the table and the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--organisations", type=int, default=40)
    parser.add_argument("--dags", type=int, default=4, help="1 to 25 (past 8, webhook and "
                        "heavier objects join)")
    parser.add_argument("--per-task", default="1,20")
    parser.add_argument("--latency", type=float, default=0.0,
                        help="seconds every sandbox API call takes (Xero's response time)")
    args = parser.parse_args(argv)
    report = run(args.organisations, args.dags, [int(n) for n in args.per_task.split(",")],
                 args.latency)
    print(render(report))
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
