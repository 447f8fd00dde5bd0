"""One worker process of the rotation acceptance test (imported by ``spawn`` children).

It does what a sync task does, in a loop: ask the token manager for a token, make a cheap API
call with it, and on a 401 force a refresh and retry the call once (as ``XeroClient`` does). It
counts what happened and returns it.

A 401 is told apart by how long after the token was handed out its answer came. Within the
margin it is unexpected: a token judged fresh outlives the margin, and the sandbox's clock is
this clock. Later, the process or the sandbox stalled for longer than the margin, which no
margin can rule out on a starved machine: the token may have expired in flight, and the one
retry must then succeed.
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


EXPIRED_IN_FLIGHT = "401 after a stall longer than the margin"


def headers(token: str, tenant: str) -> dict[str, str]:
    """A cheap API call's headers."""
    return {"Authorization": f"Bearer {token}", "xero-tenant-id": tenant,
            "Accept": "application/json"}


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
        handed = time.time()
        reply = session.get(url, timeout=30, headers=headers(token, spec["tenant"]))
        answered = time.time()
        slowest = max(slowest, reply.elapsed.total_seconds())
        if reply.status_code != 401:
            counts[str(reply.status_code)] += 1
        elif answered - handed < spec["margin"]:
            counts[f"401 unexpected: {reply.text[:120]}"] += 1
            manager.force_refresh(token)
        else:
            counts[EXPIRED_IN_FLIGHT] += 1
            retried = session.get(url, timeout=30,
                                  headers=headers(manager.force_refresh(token), spec["tenant"]))
            counts[f"retry {retried.status_code}"] += 1
        time.sleep(spec["pause"])
    return {"counts": dict(counts), "started": started, "ended": time.time(),
            "slowest": slowest}
