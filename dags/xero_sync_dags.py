"""Airflow DAGs: one per Xero object, generated from the mapping files in include/mappings/.

Adding an object is adding a mapping file; see plugins/xero_sync/dag_factory.py.
"""

from pathlib import Path

from airflow.sdk import get_parsing_context

from xero_sync.dag_factory import build_dags

MAPPINGS = Path(__file__).resolve().parent.parent / "include" / "mappings"

# To run a task, Airflow parses this file for that task's DAG alone: build just that one.
for _dag in build_dags(MAPPINGS, only=get_parsing_context().dag_id):
    globals()[_dag.dag_id] = _dag
