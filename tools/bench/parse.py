"""Bench section 4: how long Airflow takes to parse every DAG (target: under one second).

Airflow re-parses each DAG file every few minutes in the DAG processor, so slow top-level code
is paid again and again. Each measurement is a fresh interpreter (nothing of ours cached) that
first imports Airflow, untimed, as the DAG processor already has it imported, then times:

* ``dagbag``: ``DagBag(dag_folder=dags/)``, what the processor does with the folder (file
  discovery, import, validation of every DAG);
* ``import``: importing ``dags/xero_sync_dags.py`` alone (mappings read, DAG objects built).

The median of a few runs is reported; Airflow's own per-file parse duration is kept too.

    PYTHONPATH=plugins:tools python -m bench --only parse
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from typing import Any

from bench.common import ROOT, child_env, emit, run_child, table

DAGS = ROOT / "dags"
DAG_FILE = DAGS / "xero_sync_dags.py"
TARGET_SECONDS = 1.0
MEASURES = ("dagbag", "import")
HOW_TO_READ = ("median seconds of fresh processes, Airflow already imported (as in the DAG "
               "processor); target: DagBag of the whole dags/ folder under 1 s; 'airflow "
               "import' is the untimed start-up each process paid first")


# -- in the child ------------------------------------------------------------------------------

def time_dagbag() -> dict[str, Any]:
    """Parse the dags folder as the DAG processor does."""
    from airflow.dag_processing.dagbag import DagBag

    started, cpu = time.perf_counter(), time.process_time()
    bag = DagBag(dag_folder=str(DAGS))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    per_file = {str(stat.file): stat.duration.total_seconds() for stat in bag.dagbag_stats}
    return {"seconds": seconds, "cpu_seconds": cpu, "dags": len(bag.dag_ids),
            "import_errors": len(bag.import_errors), "airflow_file_seconds": per_file}


def time_import() -> dict[str, Any]:
    """Import the DAG file alone, under a fresh module name."""
    import importlib.util

    from airflow.sdk import DAG

    started, cpu = time.perf_counter(), time.process_time()
    spec = importlib.util.spec_from_file_location("bench_xero_sync_dags", DAG_FILE)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {DAG_FILE}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    dags = len({value.dag_id for value in vars(module).values() if isinstance(value, DAG)})
    return {"seconds": seconds, "cpu_seconds": cpu, "dags": dags, "import_errors": 0}


def measure(what: str) -> dict[str, Any]:
    """Import Airflow (untimed but reported), then time ``what``."""
    started = time.perf_counter()
    import airflow.dag_processing.dagbag
    import airflow.sdk  # noqa: F401 - the DAG processor has both loaded

    airflow_seconds = time.perf_counter() - started
    result = time_dagbag() if what == "dagbag" else time_import()
    return {"what": what, **result, "airflow_import_seconds": round(airflow_seconds, 2)}


# -- in the parent -----------------------------------------------------------------------------

def run(runs: int, measures: tuple[str, ...] = MEASURES) -> dict[str, Any]:
    """``runs`` fresh processes for each measurement; medians and every sample."""
    samples: dict[str, list[dict[str, Any]]] = {what: [] for what in measures}
    with tempfile.TemporaryDirectory() as home:
        env = child_env(AIRFLOW_HOME=home, AIRFLOW__CORE__LOAD_EXAMPLES="False",
                        AIRFLOW__CORE__DAGS_FOLDER=str(DAGS), AIRFLOW__CORE__UNIT_TEST_MODE="False")
        for _ in range(runs):
            for what in samples:
                samples[what].append(run_child("bench.parse", ["--what", what], env))
    report: dict[str, Any] = {"runs": runs, "target_seconds": TARGET_SECONDS,
                              "measures": list(measures)}
    for what, found in samples.items():
        report[what] = {
            "median_seconds": round(statistics.median(s["seconds"] for s in found), 3),
            "samples_seconds": [round(s["seconds"], 3) for s in found],
            "median_cpu_seconds": round(statistics.median(s["cpu_seconds"] for s in found), 3),
            "dags": found[-1]["dags"], "import_errors": found[-1]["import_errors"],
            "airflow_import_seconds": statistics.median(s["airflow_import_seconds"]
                                                        for s in found)}
    files = samples["dagbag"][-1].get("airflow_file_seconds", {})
    report["dagbag"]["airflow_file_seconds"] = files
    report["meets_target"] = report["dagbag"]["median_seconds"] < TARGET_SECONDS
    return report


def render(report: dict[str, Any]) -> str:
    """The section as a table."""
    rows = [[what, report[what]["dags"], report[what]["import_errors"],
             report[what]["median_seconds"], report[what]["median_cpu_seconds"],
             " ".join(f"{s:.3f}" for s in report[what]["samples_seconds"]),
             report[what]["airflow_import_seconds"]] for what in report["measures"]]
    verdict = "meets" if report["meets_target"] else "MISSES"
    headers = ["parse", "DAGs", "errors", "median s", "median CPU s", "samples s",
               "airflow import s"]
    return (table(headers, rows) + f"\nDagBag of all DAGs {verdict} the "
            f"{report['target_seconds']:.0f} s target (wall time; CPU time is what a busy "
            "machine does not inflate)")


def main() -> None:
    """Child entry point: ``--what dagbag|import``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--what", choices=MEASURES, required=True)
    sys.path.insert(0, str(ROOT / "plugins"))  # as Airflow puts plugins/ on sys.path
    emit(measure(parser.parse_args().what))


if __name__ == "__main__":
    main()
