"""Run every DAG of the dags folder once with ``dag.test()``, in one process.

Used by tools/demo.py with Airflow's environment already set; prints one ``DEMO {json}`` line
per DAG run so the caller can read the outcome without parsing Airflow's logs.
"""

from __future__ import annotations

import json
import os
import time

from airflow.dag_processing.dagbag import DagBag


def main() -> None:
    """Load the DAGs, run each, report."""
    bag = DagBag(os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    if bag.import_errors:
        raise SystemExit(f"DAG import errors: {bag.import_errors}")
    for dag_id in sorted(bag.dags):
        started = time.monotonic()
        run = bag.dags[dag_id].test()
        print("DEMO " + json.dumps({"dag_id": dag_id, "state": str(run.state),
                                    "run_id": run.run_id,
                                    "seconds": round(time.monotonic() - started, 1)}),
              flush=True)


if __name__ == "__main__":
    main()
