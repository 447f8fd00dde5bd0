"""The celery profile runs from the pinned files (issue 16): the Celery provider and the auth
manager docker-compose.yaml names are pinned in requirements.txt, resolved in constraints.txt,
installed by them and importable; workers are distinct hosts whose logs the UI can read; the
pool is sized by .env."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
import warnings
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from tests.compose.support import ROOT, docker_module, filled_env, load_compose

NEEDED = ("apache-airflow-providers-celery", "apache-airflow-providers-fab", "celery")


def pins(path: Path) -> dict[str, str]:
    """name -> version of every ``name==version`` line (extras dropped, names normalised)."""
    found = {}
    for line in path.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)(\[[^]]*\])?==(\S+)", line.strip())
        if match:
            found[re.sub(r"[-_.]+", "-", match[1]).lower()] = match[3]
    return found


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    return load_compose(filled_env(AIRFLOW_EXECUTOR="CeleryExecutor",
                                   COMPOSE_PROFILES="celery"))["services"]


def test_the_celery_profile_needs_are_pinned_and_resolved_in_the_constraints() -> None:
    required, resolved = pins(ROOT / "requirements.txt"), pins(ROOT / "constraints.txt")
    for name in NEEDED:
        assert name in required, f"requirements.txt does not pin {name}"
    for name, version in {**required, **pins(ROOT / "requirements-dev.txt")}.items():
        assert resolved.get(name) == version, (name, version, resolved.get(name))


def test_the_pinned_versions_are_installed_and_consistent() -> None:
    resolved = pins(ROOT / "constraints.txt")
    for name in NEEDED:
        assert metadata.version(name) == resolved[name], name
    check = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True,
                           text=True, check=False)
    assert check.returncode == 0, check.stdout + check.stderr


def load(path: str) -> Any:
    """The object at a dotted path, importing its module (its deprecation warnings are the
    providers' own business here)."""
    module, _, name = path.rpartition(".")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(importlib.import_module(module), name)


def test_what_compose_names_imports_from_the_pinned_install(services: dict[str, Any]) -> None:
    env = services["airflow-apiserver"]["environment"]
    assert load(env["AIRFLOW__CORE__AUTH_MANAGER"])
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    probe = " ".join(services["airflow-worker"]["healthcheck"]["test"])
    app = re.search(r"--app (\S+)", probe)
    assert app, probe
    assert type(load(app[1])).__name__ == "Celery"


def test_each_worker_is_a_host_of_its_own_whose_logs_the_ui_reads(
        services: dict[str, Any]) -> None:
    worker, api = services["airflow-worker"], services["airflow-apiserver"]
    # --scale gives every container its own hostname (its id) unless the file fixes one.
    assert not {"hostname", "container_name", "ports"} & set(worker)
    assert 'ping -d "celery@${HOSTNAME}"' in " ".join(worker["healthcheck"]["test"])
    logs = {v for v in worker["volumes"] if str(v).endswith(":/opt/airflow/logs")}
    assert logs and logs <= set(api["volumes"])
    assert worker["environment"]["AIRFLOW__CELERY__WORKER_CONCURRENCY"] == (
        filled_env()["AIRFLOW_WORKER_CONCURRENCY"])


def test_the_pool_is_sized_by_env() -> None:
    setup = docker_module("compose_setup")
    env = filled_env(XERO_CLIENT_ID="A" * 32, XERO_CLIENT_SECRET="s" * 48,
                     XERO_API_POOL_SLOTS="24")
    env["AIRFLOW__CORE__FERNET_KEY"] = env.pop("AIRFLOW_FERNET_KEY")
    env["AIRFLOW__API_AUTH__JWT_SECRET"] = env.pop("AIRFLOW_JWT_SECRET")
    commands: list[list[str]] = []
    setup.airflow_init(setup.Settings.from_env(env),
                       run=lambda argv: commands.append(list(argv)) or "")
    assert ["airflow", "pools", "set", "xero_api", "24", setup.POOL_DESCRIPTION] in commands
    env["XERO_API_POOL_SLOTS"] = "lots"
    assert any("XERO_API_POOL_SLOTS is 'lots'" in problem
               for problem in setup.problems(setup.Settings.from_env(env)))
