"""One worker process of the rotation acceptance test (imported by ``spawn`` children).

It does what a sync task does, in a loop: ask the token manager for a token, make a cheap API
call with it, and on a 401 force a refresh once. It counts what happened and returns it.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta
from typing import Any, Protocol

import requests

from xero_sync.auth.crypto import TokenCipher
from xero_sync.auth.masking import mask_tokens
from xero_sync.auth.oauth import TokenManager
from xero_sync.auth.token_store import token_store
from xero_sync.errors import XeroSyncError
from xero_sync.settings import XeroSettings
from xero_sync.warehouse.dbapi import WarehouseTarget


class Barrier(Protocol):
    """multiprocessing's Barrier, as far as a worker uses it."""

    def wait(self, timeout: float | None = None) -> int: ...


class Results(Protocol):
    """multiprocessing's Queue, as far as a worker uses it."""

    def put(self, item: dict[str, Any]) -> None: ...


def main(spec: dict[str, Any], ready: Barrier, results: Results) -> None:
    """Process entry point: run once every process is ready, report through the queue."""
    results.put(run(spec, ready))


def run(spec: dict[str, Any], ready: Barrier) -> dict[str, Any]:
    """Set up, wait for the others, then loop for ``spec['duration']`` seconds; the counts."""
    settings = XeroSettings(**spec["settings"])
    store = token_store(WarehouseTarget(**spec["target"]), TokenCipher(spec["key"]),
                        spec["schema"])
    manager = TokenManager(settings, store, margin=timedelta(seconds=spec["margin"]),
                           retry_delays=(0.2, 0.5, 1.0))
    mask_tokens(None)  # import Airflow's masker before the clock starts
    session = requests.Session()
    url = f"{settings.api_url}/api.xro/2.0/Organisation"
    ready.wait(timeout=600)
    counts: Counter[str] = Counter()
    slowest = 0.0
    started = time.time()
    while time.time() < started + spec["duration"]:
        try:
            token = manager.access_token()
        except XeroSyncError as error:
            counts[f"error {type(error).__name__}: {error}"] += 1
            time.sleep(0.2)
            continue
        reply = session.get(url, timeout=30, headers={
            "Authorization": f"Bearer {token}", "xero-tenant-id": spec["tenant"],
            "Accept": "application/json"})
        counts[str(reply.status_code)] += 1
        slowest = max(slowest, reply.elapsed.total_seconds())
        if reply.status_code == 401:
            manager.force_refresh(token)
        time.sleep(spec["pause"])
    return {"counts": dict(counts), "started": started, "ended": time.time(),
            "slowest": slowest}
