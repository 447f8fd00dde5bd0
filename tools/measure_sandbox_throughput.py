"""Measure the sandbox's throughput for 1,000-record pages, so benchmarks know it is not
their bottleneck.

Starts the sandbox in a separate process (so client and server do not share a GIL), takes a
token with the authorization-code flow, then fetches pages of 1,000 invoices with line items
from a few client threads for a fixed time and prints requests and records per second. The
clients read each body but do not parse it: parsing is the client's cost, not the sandbox's.

    python tools/measure_sandbox_throughput.py [--scale 20000] [--seconds 10] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from urllib.parse import parse_qs, urlsplit

import requests

REDIRECT = "http://localhost:1/callback"
SCOPES = "offline_access accounting.transactions.read"


def _start(port: int, scale: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "xero_sandbox", "--port", str(port), "--scale", str(scale),
               "--tenants", "1", "--auto-consent", "--minute-limit", "1000000",
               "--day-limit", "1000000", "--concurrent-limit", "64"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE)  # noqa: S603 - our own module
    assert process.stdout is not None
    process.stdout.readline()  # "listening on ..." once the data is built
    return process


def _token(base: str) -> tuple[str, str]:
    tenants = requests.get(f"{base}/_sandbox/tenants", timeout=10).json()
    params = {"response_type": "code", "client_id": tenants["client_id"],
              "redirect_uri": REDIRECT, "scope": SCOPES}
    location = requests.get(f"{base}/identity/connect/authorize", params=params,
                            allow_redirects=False, timeout=10).headers["Location"]
    code = parse_qs(urlsplit(location).query)["code"][0]
    reply = requests.post(f"{base}/connect/token", timeout=10, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
        "client_id": tenants["client_id"], "client_secret": "sandbox-client-secret"})
    return reply.json()["access_token"], tenants["tenants"][0]["tenantId"]


def _worker(base: str, headers: dict[str, str], pages: int, stop: float,
            results: list[tuple[int, int]]) -> None:
    session = requests.Session()
    count = records = 0
    page = 1
    while time.monotonic() < stop:
        reply = session.get(f"{base}/api.xro/2.0/Invoices", headers=headers, timeout=60,
                            params={"page": page, "pageSize": 1000})
        reply.raise_for_status()
        assert reply.content.endswith(b"]}")  # read whole; parsing is the client's cost
        records += 1000  # every page cycled through is full (see main)
        count += 1
        page = page % pages + 1
    results.append((count, records))


def main() -> None:
    """Run the measurement and print one JSON line."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--port", type=int, default=8791)
    args = parser.parse_args()
    process = _start(args.port, args.scale)
    base = f"http://127.0.0.1:{args.port}"
    try:
        access, tenant = _token(base)
        headers = {"Authorization": f"Bearer {access}", "xero-tenant-id": tenant,
                   "Accept": "application/json"}
        results: list[tuple[int, int]] = []
        stop = time.monotonic() + args.seconds
        full_pages = args.scale // 1000 - 1  # the generator makes at least `scale` invoices
        threads = [threading.Thread(target=_worker, args=(base, headers, full_pages,
                                                          stop, results))
                   for _ in range(args.threads)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        requests_done = sum(r[0] for r in results)
        records = sum(r[1] for r in results)
        print(json.dumps({
            "page_size": 1000, "threads": args.threads, "seconds": round(elapsed, 2),
            "requests": requests_done, "requests_per_second": round(requests_done / elapsed, 1),
            "records_per_second": round(records / elapsed),
        }))
    finally:
        process.terminate()
        process.wait(timeout=10)


if __name__ == "__main__":
    main()
