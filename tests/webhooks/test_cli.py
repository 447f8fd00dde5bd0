"""``python -m xero_sync.webhooks``: ``serve`` as its own process (the Compose service's
command), refusing to start without the key; ``status`` printing ``_webhook_status``."""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from tests.webhooks.conftest import KEY, ROOT, payload, post
from tests.webhooks.test_receiver import xero_event
from xero_sync.warehouse.dbapi import WarehouseTarget
from xero_sync.warehouse.events import WebhookEvent, WebhookEventStore
from xero_sync.warehouse.factory import warehouse_for
from xero_sync.webhooks import signature
from xero_sync.webhooks.__main__ import main


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_receives_signed_events_into_the_warehouse_of_the_uri(tmp_path: Path) -> None:
    """Beside a broken mapping file too: it fails its own DAG, not the receiver."""
    database, port = tmp_path / "w.db", free_port()
    mappings = tmp_path / "mappings"
    shutil.copytree(ROOT / "include" / "mappings", mappings)
    (mappings / "cash_journals.yaml").write_text("name: cash_journals\ncolumns: [\n")
    env = {**os.environ, "XERO_WEBHOOK_KEY": KEY,
           "PYTHONPATH": os.pathsep.join([str(ROOT / "plugins"), str(ROOT / "tools")])}
    command = [sys.executable, "-m", "xero_sync.webhooks", "serve", "--port", str(port),
               "--warehouse-uri", f"sqlite:///{database}", "--mappings", str(mappings)]
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT) as process:
        try:
            url = f"http://127.0.0.1:{port}/webhooks/xero"
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if requests.get(url.replace("/webhooks/xero", "/healthz"),
                                    timeout=2).ok:
                        break
                except requests.RequestException:
                    time.sleep(0.2)
            body = payload(xero_event(str(uuid.UUID(int=1))))
            assert post(url, body, signature.sign(body, KEY)).status_code == 200
            assert post(url, body, "forged").status_code == 401
        finally:
            process.terminate()
            output = process.communicate(timeout=30)[0].decode()
    assert "listening on" in output and "INVOICE (invoices)" in output
    assert "skipping a mapping file that cannot be used: " in output
    assert "cash_journals.yaml: not valid YAML" in output
    warehouse = warehouse_for(WarehouseTarget("sqlite", str(database)))
    try:
        (row,) = WebhookEventStore(warehouse).status()
        assert (row.category, row.received, row.pending) == ("INVOICE", 1, 1)
    finally:
        warehouse.close()


def test_serve_without_the_key_says_where_to_find_it(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("XERO_WEBHOOK_KEY", raising=False)
    assert main(["serve", "--warehouse-uri", f"sqlite:///{tmp_path / 'w.db'}"]) == 1
    error = capsys.readouterr().err
    assert "XERO_WEBHOOK_KEY is not set" in error and "developer portal" in error


def test_serve_without_any_mapping_with_webhooks_refuses(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("XERO_WEBHOOK_KEY", KEY)
    mappings = tmp_path / "mappings"
    mappings.mkdir()
    (mappings / "items.yaml").write_text((ROOT / "include" / "mappings" / "items.yaml")
                                         .read_text())
    assert main(["serve", "--mappings", str(mappings),
                 "--warehouse-uri", f"sqlite:///{tmp_path / 'w.db'}"]) == 1
    assert "no mapping" in capsys.readouterr().err


def test_status_prints_received_processed_pending_and_age(tmp_path: Path) -> None:
    database = tmp_path / "w.db"
    warehouse = warehouse_for(WarehouseTarget("sqlite", str(database)))
    warehouse.ensure_tables([])
    tenant = str(uuid.UUID(int=9))
    now = datetime.now(UTC).replace(tzinfo=None)
    WebhookEventStore(warehouse).store([WebhookEvent(tenant, "INVOICE", "UPDATE",
                                                     str(uuid.UUID(int=n)), now, "{}")
                                        for n in (1, 2)], now)
    warehouse.close()
    out = io.StringIO()
    assert main(["status", "--warehouse-uri", f"sqlite:///{database}"], out) == 0
    line = next(row for row in out.getvalue().splitlines() if row.startswith(tenant))
    assert line.split()[1:5] == ["INVOICE", "2", "0", "2"]
