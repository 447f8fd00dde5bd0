"""A live webhook path for the demo and the bench: our receiver as its own process, the
sandbox subscribed to it, and changes timed from the sandbox's edit to the row in the SQLite
warehouse.

    start_receiver(env, port)            python -m xero_sync.webhooks serve, as in production
    subscribe(sandbox_url, receiver)     the sandbox sends its webhooks there (intent to receive)
    Change / edit(...) / landed(...)     one edit with a unique value, and when its row shows it

The receiver reads the warehouse from the ``xero_warehouse`` connection in ``env`` (the demo's
and the bench's Airflow environment), exactly as under Airflow.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

KEY = "demo-webhook-key-6f1c0e52"  # the sandbox signs with it, the receiver checks it
WATCHED = {  # collection -> (table, key column, the text column an edit sets, its field)
    "Invoices": ("invoices", "invoice_id", "reference", "Reference"),
    "Contacts": ("contacts", "contact_id", "email_address", "EmailAddress"),
    "CreditNotes": ("credit_notes", "credit_note_id", "reference", "Reference"),
}


@dataclass
class Change:
    """One edit in the sandbox and when its value reached the warehouse."""

    tenant: str
    collection: str
    record_id: str
    value: str
    changed_at: float  # time.time() just before the edit was sent
    landed_at: float | None = None

    @property
    def latency(self) -> float | None:
        """Seconds from the change to the row, once landed."""
        return None if self.landed_at is None else self.landed_at - self.changed_at


def start_receiver(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """The receiver on 127.0.0.1:port, once it listens (its output goes to ``log``)."""
    command = [sys.executable, "-m", "xero_sync.webhooks", "serve", "--port", str(port)]
    with log.open("ab") as output:
        process = subprocess.Popen(command, env={**env, "XERO_WEBHOOK_KEY": KEY},  # noqa: S603
                                   stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the webhook receiver stopped at once; see {log}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except requests.RequestException:
            pass
        time.sleep(0.3)
    process.terminate()
    raise SystemExit(f"the webhook receiver did not answer on port {port}; see {log}")


def receiver_url(port: int) -> str:
    """Where the receiver takes Xero's POSTs."""
    return f"http://127.0.0.1:{port}/webhooks/xero"


def subscribe(sandbox_url: str, url: str) -> dict[str, Any]:
    """Subscribe the sandbox's app to ``url``; Xero's intent-to-receive check must pass."""
    reply = requests.post(f"{sandbox_url}/_sandbox/webhooks", timeout=60,
                          json={"url": url, "key": KEY}).json()
    if not reply.get("intent_to_receive", {}).get("passed"):
        raise SystemExit(f"the receiver failed Xero's intent-to-receive check: {reply}")
    return dict(reply)


def edit(sandbox_url: str, tenant: str, collection: str, record_id: str | None = None) -> Change:
    """Change one record's text field to a new unique value."""
    field = WATCHED[collection][3]
    value = (f"{uuid.uuid4().hex[:12]}@example.com" if field == "EmailAddress"
             else f"Changed {uuid.uuid4().hex[:12]}")
    started = time.time()
    reply = requests.post(f"{sandbox_url}/_sandbox/edit", timeout=60, json={
        "tenant": tenant, "object": collection, "fields": {field: value},
        **({"id": record_id} if record_id else {})})
    reply.raise_for_status()
    return Change(tenant, collection, str(reply.json()["id"]), value, started)


def landed(warehouse: Path, changes: list[Change]) -> None:
    """Note, on each change not yet landed, whether its row now holds its value."""
    waiting = [c for c in changes if c.landed_at is None]
    if not waiting or not warehouse.exists():
        return
    now = time.time()
    with sqlite3.connect(warehouse, timeout=30) as db:
        for collection in {c.collection for c in waiting}:
            table, key, column, _ = WATCHED[collection]
            mine = [c for c in waiting if c.collection == collection]
            marks = ",".join("?" * len(mine))
            try:
                rows = dict(db.execute(
                    f'SELECT "{key}", "{column}" FROM "xero_{table}" '  # noqa: S608 - fixed names
                    f'WHERE "{key}" IN ({marks})', [c.record_id for c in mine]).fetchall())
            except sqlite3.OperationalError:  # the table is not there yet
                continue
            for change in mine:
                if rows.get(change.record_id) == change.value:
                    change.landed_at = now


def wait_until_landed(warehouse: Path, changes: list[Change], timeout: float,
                      every: float = 0.25) -> None:
    """Poll the warehouse until every change landed or ``timeout`` seconds passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        landed(warehouse, changes)
        if all(c.landed_at is not None for c in changes):
            return
        time.sleep(every)
