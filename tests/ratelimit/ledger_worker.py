"""One worker process of tests/ratelimit/test_shared_ledger.py: makes calls for one
organisation through a RateLimiter on the shared warehouse ledger, and prints when each call
held its place (start, end) as one JSON line.

    python ledger_worker.py <warehouse uri> <schema> <calls> <start at (epoch s)>
"""

from __future__ import annotations

import json
import sys
import time

from xero_sync.ratelimit import RateLimiter
from xero_sync.ratelimit.warehouse_ledger import warehouse_ledger
from xero_sync.warehouse.dbapi import target_from_uri

# A one-second "minute" of 5 calls, 2 in flight: the arithmetic is the same as Xero's, and a
# test sees it at work in seconds.
LIMITS = {"per_minute": 5, "concurrent": 2, "window": 1.0, "margin": 0.05}
IN_FLIGHT = 0.03  # seconds each call takes


def main(uri: str, schema: str, calls: int, start_at: float) -> None:
    from xero_sync.ratelimit.budget import XeroLimits

    limiter = RateLimiter("app", warehouse_ledger(target_from_uri(uri), schema),
                          XeroLimits(**LIMITS))  # type: ignore[arg-type]
    time.sleep(max(0.0, start_at - time.time()))
    held = []
    for _ in range(calls):
        with limiter.call("org") as slot:
            time.sleep(IN_FLIGHT)
            held.append((slot.started_at, time.time()))
    print(json.dumps(held), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
