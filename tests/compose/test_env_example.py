""".env.example documents every setting docker-compose.yaml reads, and docker/new_env.py
turns it into a working .env."""

from __future__ import annotations

import base64
import os
import re
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.compose.support import (
    COMPOSE_FILE,
    ENV_EXAMPLE,
    compose_references,
    docker_module,
    example_env,
    filled_env,
)

# Read by Compose itself rather than interpolated into the file.
COMPOSE_OWN = {"COMPOSE_PROFILES", "COMPOSE_PROJECT_NAME"}
_USE = re.compile(r"(?<!\$)\$\{([A-Z_][A-Z0-9_]*)(:?[-?+])?([^}]*)\}")


def blocks() -> list[list[str]]:
    """Runs of consecutive non-blank lines of .env.example."""
    found: list[list[str]] = [[]]
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip():
            found[-1].append(line)
        elif found[-1]:
            found.append([])
    return [block for block in found if block]


def uses() -> list[tuple[str, str, str]]:
    """(variable, operator, argument) of every interpolation in docker-compose.yaml."""
    return _USE.findall(COMPOSE_FILE.read_text(encoding="utf-8"))


def required() -> set[str]:
    return {name for name, op, _ in uses() if op == ":?"}


def test_every_variable_the_compose_file_reads_is_in_env_example() -> None:
    missing = compose_references() - set(example_env())
    assert not missing, f"add to .env.example, with an explanation: {sorted(missing)}"


def test_every_setting_in_env_example_is_used() -> None:
    unused = set(example_env()) - compose_references() - COMPOSE_OWN
    assert not unused, f"not read by docker-compose.yaml: {sorted(unused)}"


def test_every_setting_is_explained_by_a_comment_above_it() -> None:
    for block in blocks():
        settings = [line for line in block if not line.startswith("#")]
        if settings:
            assert block[0].startswith("#"), f"no explanation above {settings[0]!r}"


def test_required_settings_are_empty_marked_and_generated() -> None:
    new_env = docker_module("new_env")
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    example = example_env()
    assert required() == set(new_env.GENERATED)
    for name in required():
        assert example[name] == "", f"{name} must ship empty: it is a secret"
        block = next(b for b in blocks() if any(line.startswith(f"{name}=") for line in b))
        assert "REQUIRED" in "\n".join(block), f"{name} is not marked REQUIRED"
        assert not any(n == name and op != ":?" for n, op, _ in uses()), (
            f"{name} has a default somewhere in docker-compose.yaml")
    assert text.count("REQUIRED") >= len(required())


def test_compose_defaults_match_env_example() -> None:
    """A default in the compose file is the value .env.example shows (an empty default means
    "the package's own default", explained next to the setting)."""
    example = example_env()
    for name, op, default in uses():
        if op == ":-" and default:
            assert example[name] == default, f"{name}: .env.example {example[name]!r} vs " \
                                             f"compose default {default!r}"


def test_values_hold_no_trailing_comment() -> None:
    for name, value in example_env().items():
        assert " #" not in value and "\t#" not in value, name


def test_filled_env_passes_every_check_of_the_setup_steps() -> None:
    setup = docker_module("compose_setup")
    assert setup.problems(setup.Settings.from_env(_container_env(filled_env()))) == []


def test_env_example_as_shipped_fails_the_checks_with_each_fix() -> None:
    setup = docker_module("compose_setup")
    found = "\n".join(setup.problems(setup.Settings.from_env(_container_env(example_env()))))
    for name in ("AIRFLOW_FERNET_KEY", "AIRFLOW_JWT_SECRET", "POSTGRES_PASSWORD",
                 "MSSQL_SA_PASSWORD", "XERO_WAREHOUSE_PASSWORD", "AIRFLOW_ADMIN_PASSWORD"):
        assert name in found


def _container_env(values: dict[str, str]) -> dict[str, str]:
    """The names the containers see (docker-compose.yaml maps some .env names to Airflow's)."""
    renamed = {"AIRFLOW_FERNET_KEY": "AIRFLOW__CORE__FERNET_KEY",
               "AIRFLOW_JWT_SECRET": "AIRFLOW__API_AUTH__JWT_SECRET",
               "AIRFLOW_EXECUTOR": "AIRFLOW__CORE__EXECUTOR"}
    return {renamed.get(name, name): value for name, value in values.items()}


def test_new_env_writes_a_private_file_and_never_overwrites(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new_env = docker_module("new_env")
    target = tmp_path / ".env"
    assert new_env.main(["--output", str(target)]) == 0
    first = target.read_text()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert new_env.main(["--output", str(target)]) == 1
    assert target.read_text() == first
    assert "left as it is" in capsys.readouterr().err
    assert new_env.main(["--output", str(target), "--force"]) == 0
    assert target.read_text() != first


def test_generated_secrets_meet_their_rules() -> None:
    new_env = docker_module("new_env")
    setup = docker_module("compose_setup")
    for _ in range(50):
        Fernet(new_env.fernet_key().encode())
        assert setup.sql_server_password_problems("P", new_env.password()) == []


def test_the_documented_openssl_recipe_makes_a_fernet_key() -> None:
    # openssl rand -base64 32 | tr '+/' '-_'
    raw = base64.b64encode(os.urandom(32)).decode()
    key = raw.translate(str.maketrans("+/", "-_"))
    Fernet(key.encode())
    assert "openssl rand -base64 32 | tr '+/' '-_'" in ENV_EXAMPLE.read_text()
