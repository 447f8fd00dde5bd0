"""A process that takes a run lock and holds it until it is killed (``test_runs`` SIGKILLs it).

Usage: ``python -m tests.warehouse.lock_holder '<json>'`` with the target's fields, the schema,
the object, the tenant and the run id; it prints ``locked`` once it holds the lock.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import timedelta

from xero_sync.warehouse.dbapi import WarehouseTarget, connect
from xero_sync.warehouse.factory import WAREHOUSES


def main(argument: str) -> None:
    """Take the lock, say so, wait to be killed."""
    spec = json.loads(argument)
    target = WarehouseTarget(**spec["target"])
    warehouse = WAREHOUSES[target.dialect](connect(target), spec["schema"])
    with warehouse.run_lock(spec["object"], spec["tenant"], spec["run_id"], timedelta(0)):
        print("locked", flush=True)
        time.sleep(3600)


if __name__ == "__main__":
    main(sys.argv[1])
