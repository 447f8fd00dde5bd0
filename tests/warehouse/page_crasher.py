"""A sync that is killed (SIGKILL, nothing cleaned up) between two page commits, or inside a
page's load before its COMMIT; ``test_page_commits`` then resumes it and counts what was lost.

Usage: ``python -m tests.warehouse.page_crasher <spec.json>``; the spec names the target's
fields, the schema, the pages (lists of invoices), the records a commit holds
(``commit_rows``), the load whose commit the kill follows or precedes (``kill_at``, counted
from 1), and ``when``: ``after_commit`` or ``before_commit``. The sync reads one
page ahead as in production, so when it dies the page after the one loading has been read too.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

from tests.warehouse.conftest import TENANT
from tests.warehouse.test_runs import Source
from xero_sync.mapping import load_mapping
from xero_sync.sync import SyncRequest, run_sync
from xero_sync.warehouse.base import LoadCounts
from xero_sync.warehouse.dbapi import WarehouseTarget, connect
from xero_sync.warehouse.factory import WAREHOUSES

ROOT = Path(__file__).resolve().parents[2]


class KillingConnection:
    """A connection that kills its process at the COMMIT after ``armed`` is set."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection
        self.armed = False

    def commit(self) -> None:
        if self.armed:
            os.kill(os.getpid(), signal.SIGKILL)
        self._connection.commit()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)


def main(path: str) -> None:
    """Sync the spec's pages, committing each page, and die where the spec says."""
    spec = json.loads(Path(path).read_text(encoding="utf-8"))
    target = WarehouseTarget(**spec["target"])
    connection = KillingConnection(connect(target))
    warehouse = WAREHOUSES[target.dialect](connection, spec["schema"])
    mapping = load_mapping(ROOT / "include" / "mappings" / "invoices.yaml")
    warehouse.ensure_tables([mapping])
    loads = 0
    real_load = warehouse.load

    def load(*args: Any, **kwargs: Any) -> LoadCounts:
        nonlocal loads
        loads += 1
        if loads == spec["kill_at"] and spec["when"] == "before_commit":
            connection.armed = True
        counts = real_load(*args, **kwargs)
        if loads == spec["kill_at"]:
            os.kill(os.getpid(), signal.SIGKILL)
        return counts

    warehouse.load = load  # type: ignore[method-assign]
    run_sync(Source(spec["pages"]), warehouse,
             SyncRequest(mapping, TENANT, run_id="killed__1", commit_rows=spec["commit_rows"]))
    print("not killed", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
