"""A small two-organisation sandbox synced once, cleanly, into SQLite: the baseline the
comparison tests tamper with (each on its own copy)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from faults.compare import Deployment
from faults.trial import authorize, sandbox_settings
from faults.worker import MAPPINGS, WorkerJob, sync_all
from xero_sandbox.server import Sandbox
from xero_sandbox.state import SandboxConfig
from xero_sync.warehouse.dbapi import WarehouseTarget


@dataclass
class Synced:
    """The sandbox and the path of a warehouse that equals its truth."""

    sandbox: Sandbox
    path: Path

    def copy(self, directory: Path) -> Deployment:
        """A private copy of the warehouse (the backup API includes what is still in the WAL)."""
        target = directory / "copy.db"
        with sqlite3.connect(self.path) as source, sqlite3.connect(target) as copy:
            source.backup(copy)
        return Deployment({}, "sqlite", str(target))


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synced]:
    """Every object of two small organisations, synced by the worker's code, in-process."""
    directory = tmp_path_factory.mktemp("faults-baseline")
    path = directory / "warehouse.db"
    with Sandbox(SandboxConfig(seed=17, tenants=2, scale=20, auto_consent=True)) as sandbox:
        target = WarehouseTarget("sqlite", str(path))
        key = Fernet.generate_key().decode()
        settings = sandbox_settings(sandbox)
        authorize(settings, target, key)
        tasks = tuple((name, tenant) for name in MAPPINGS
                      for tenant in sandbox.state.tenant_names)
        job = WorkerJob(sandbox.url, settings.client_id, settings.client_secret, key, target,
                        "baseline", tasks, str(directory / "result.json"),
                        str(directory / "log.txt"))
        result = sync_all(job)
        assert not result.failures, result.failures
        yield Synced(sandbox, path)
