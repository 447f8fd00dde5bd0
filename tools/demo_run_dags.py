"""Run DAGs of the dags folder once each with ``dag.test()``, in one process.

Used by tools/demo.py and the end-to-end tests with Airflow's environment already set; prints
one ``DEMO {json}`` line per DAG run so the caller can read outcomes without parsing logs.

    python tools/demo_run_dags.py [--only xero__items ...] [--conf '{"full_refresh": true}']
        [--pause]   # after the round print DEMO-PAUSE, wait for a line on stdin, run again

The second round saves starting Airflow again (about 15 s) when a caller needs two rounds and
wants to look at (or change) the world between them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator

from airflow.dag_processing.dagbag import DagBag
from airflow.sdk.definitions.context import _AIRFLOW_PARSING_CONTEXT_DAG_ID


def main() -> None:
    """Load the DAGs, run the chosen ones, report."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="*", help="DAG ids to run (default: all)")
    parser.add_argument("--conf", default="{}", help="run conf (params) as JSON")
    parser.add_argument("--pause", action="store_true",
                        help="after the first round, wait for a line on stdin and run again")
    args = parser.parse_args()
    bag = DagBag(os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    if bag.import_errors:
        raise SystemExit(f"DAG import errors: {bag.import_errors}")
    conf = json.loads(args.conf)
    # Every sync DAG; xero__reports (Xero's report snapshots, a call per contact for the aged
    # reports) only when named: its tasks are tested against the sandbox in
    # tests/reporting/test_snapshots.py.
    dag_ids = args.only or sorted(d for d in bag.dags if d != "xero__reports")
    run_round(bag, dag_ids, conf, 1)
    if args.pause:
        print("DEMO-PAUSE", flush=True)
        sys.stdin.readline()
        run_round(bag, dag_ids, conf, 2)


@contextlib.contextmanager
def parsing_context(dag_id: str) -> Iterator[None]:
    """Airflow's DAG parsing context for ``dag_id`` inside (as Airflow sets it to run a task of
    that DAG), and the environment as it was after. Airflow's own context manager leaves its
    value behind when none was set before: every later parse in this process, and in each
    program it starts (``airflow`` commands, a pytest run), would build that one DAG."""
    before = os.environ.get(_AIRFLOW_PARSING_CONTEXT_DAG_ID)
    os.environ[_AIRFLOW_PARSING_CONTEXT_DAG_ID] = dag_id
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(_AIRFLOW_PARSING_CONTEXT_DAG_ID, None)
        else:
            os.environ[_AIRFLOW_PARSING_CONTEXT_DAG_ID] = before


def run_round(bag: DagBag, dag_ids: list[str], conf: dict[str, object], number: int) -> None:
    """Run each DAG once; one ``DEMO`` line per run.

    ``dag.test()`` parses the DAG file again and writes every DAG it holds to the metadata
    database, on every call; in the DAG's parsing context (as Airflow sets it to run a task)
    the file builds that DAG alone (a third of a round's time before).
    """
    for dag_id in dag_ids:
        started = time.monotonic()
        with parsing_context(dag_id=dag_id):
            run = bag.dags[dag_id].test(run_conf=conf)
        print("DEMO " + json.dumps({"dag_id": dag_id, "state": str(run.state),
                                    "run_id": run.run_id, "round": number,
                                    "seconds": round(time.monotonic() - started, 1)}),
              flush=True)


if __name__ == "__main__":
    main()
