"""Run DAGs of the dags folder once each with ``dag.test()``, in one process.

Used by tools/demo.py and the end-to-end tests with Airflow's environment already set; prints
one ``DEMO {json}`` line per DAG run so the caller can read outcomes without parsing logs.

    python tools/demo_run_dags.py [--only xero__items ...] [--conf '{"full_refresh": true}']
"""

from __future__ import annotations

import argparse
import json
import os
import time

from airflow.dag_processing.dagbag import DagBag


def main() -> None:
    """Load the DAGs, run the chosen ones, report."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="*", help="DAG ids to run (default: all)")
    parser.add_argument("--conf", default="{}", help="run conf (params) as JSON")
    args = parser.parse_args()
    bag = DagBag(os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    if bag.import_errors:
        raise SystemExit(f"DAG import errors: {bag.import_errors}")
    conf = json.loads(args.conf)
    for dag_id in args.only or sorted(bag.dags):
        started = time.monotonic()
        run = bag.dags[dag_id].test(run_conf=conf)
        print("DEMO " + json.dumps({"dag_id": dag_id, "state": str(run.state),
                                    "run_id": run.run_id,
                                    "seconds": round(time.monotonic() - started, 1)}),
              flush=True)


if __name__ == "__main__":
    main()
