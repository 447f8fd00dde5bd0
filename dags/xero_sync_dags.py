"""Airflow DAGs: one per Xero object, generated from the mapping files in include/mappings/.

Adding an object is adding a mapping file; see plugins/xero_sync/dag_factory.py.
"""

from pathlib import Path

from xero_sync.dag_factory import build_dags

MAPPINGS = Path(__file__).resolve().parent.parent / "include" / "mappings"

for _dag in build_dags(MAPPINGS):
    globals()[_dag.dag_id] = _dag
