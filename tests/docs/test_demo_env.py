"""``var/demo/env.sh``: in a plain shell, the fix an error message names works on the demo.

Before it existed, ``python -m xero_sync.auth authorize`` (what an ``invalid_grant`` says to run)
failed in a shell with "connection 'xero_default' is not defined": the demo's connections lived
only in the environment tools/demo.py gives its own children.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

import demo


def test_sourcing_the_env_file_gives_a_shell_the_demo_connections(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "DEMO", tmp_path)
    monkeypatch.setattr(demo, "AIRFLOW_HOME", tmp_path / "airflow")
    monkeypatch.setattr(demo, "WAREHOUSE", tmp_path / "warehouse.db")
    monkeypatch.setattr(demo, "ENV_FILE", tmp_path / "env.sh")
    demo.write_env_file(demo.demo_env())
    clean = {"HOME": os.environ.get("HOME", str(tmp_path)), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        ["bash", "-c", f"source {tmp_path / 'env.sh'} && python -m xero_sync.auth status"],
        cwd=tmp_path, env=clean, capture_output=True, text=True, check=False, timeout=300)
    shown = result.stdout + result.stderr
    assert "is not defined" not in shown
    assert f"No tokens stored for app sandbox-client-id in sqlite:{tmp_path / 'warehouse.db'}" \
        in shown  # it found both demo connections: the Xero app and the warehouse
