"""``make demo-webhook``: change an invoice in the demo's sandbox and time its way to the
warehouse by Xero's webhook path.

Run it while ``make demo-ui`` serves (the sandbox, the webhook receiver and ``airflow
standalone``, whose triggerer watches the stored events): the sandbox sends the change's
webhook to the receiver, the watcher asks for a run of ``xero__invoices``, and the run reads
the invoice by id. Unpause ``xero__invoices`` in the UI first (DAGs start paused); the first
run after unpausing is its scheduled one.
"""

from __future__ import annotations

import sys

import requests

import webhooks_live
from demo import SANDBOX_PORT, WAREHOUSE

TIMEOUT = 300.0


def main() -> int:
    """One change, and how long it took to land."""
    sandbox = f"http://127.0.0.1:{SANDBOX_PORT}"
    try:
        tenant = requests.get(f"{sandbox}/_sandbox/tenants", timeout=10).json()["tenants"][0]
    except requests.RequestException:
        print("the demo's sandbox does not answer: start `make demo-ui` first", file=sys.stderr)
        return 1
    change = webhooks_live.edit(sandbox, tenant["tenantId"], "Invoices")
    print(f"Changed invoice {change.record_id} of {tenant['tenantName']} in the sandbox: "
          f"Reference = {change.value!r}. Waiting for it in {WAREHOUSE} ...", flush=True)
    webhooks_live.wait_until_landed(WAREHOUSE, [change], TIMEOUT)
    if change.latency is None:
        print(f"not in the warehouse after {TIMEOUT:.0f} s: is xero__invoices unpaused in the "
              "UI, and did its run succeed? (python -m xero_sync.webhooks status shows the "
              "events waiting)", file=sys.stderr)
        return 1
    print(f"In the warehouse {change.latency:.1f} s after the change (webhook → receiver → "
          "asset watcher → xero__invoices reading it by id).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
