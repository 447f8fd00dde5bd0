"""docker-compose.yaml is a valid Compose file: the official JSON schema, after interpolation."""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

import jsonschema
import pytest

from tests.compose.support import (
    SCHEMA,
    MissingVariable,
    example_env,
    filled_env,
    interpolate,
    load_compose,
)

SCHEMA_SHA256 = "bc50c2d79102aed8df21b3a13e56c9396c7a06da6cff5ce37629f2ee7eb41735"


def validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema)


def errors(document: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator().iter_errors(document)]


def test_the_schema_is_the_vendored_upstream_file() -> None:
    digest = hashlib.sha256(SCHEMA.read_bytes()).hexdigest()
    assert digest == SCHEMA_SHA256, "tests/compose/compose-spec.json changed: see its README"
    jsonschema.Draft7Validator.check_schema(json.loads(SCHEMA.read_text(encoding="utf-8")))


@pytest.mark.parametrize("changes", [
    {},
    {"AIRFLOW_EXECUTOR": "CeleryExecutor", "COMPOSE_PROFILES": "celery"},
    {"COMPOSE_PROFILES": "sandbox", "AIRFLOW_WEB_BIND": "0.0.0.0", "MSSQL_PORT": "14330"},
    {"XERO_CLIENT_ID": "A" * 32, "XERO_CLIENT_SECRET": "s" * 48,
     "XERO_TENANT_IDS": "a46fcb6f-2773-40c4-a119-8aa08bca1e8e"},
], ids=["defaults", "celery", "sandbox-exposed", "xero-app"])
def test_compose_file_validates_against_the_compose_specification(
        changes: dict[str, str]) -> None:
    document = load_compose(filled_env(**changes))
    assert errors(document) == []


def test_the_validation_would_catch_a_mistake() -> None:
    document = copy.deepcopy(load_compose(filled_env()))
    document["services"]["airflow-scheduler"]["depends_on"]["airflow-init"]["condition"] = (
        "service_completed")
    document["services"]["mssql"]["healthcheck"]["interval"] = 10
    document["services"]["postgres"]["restart_policy"] = "always"
    found = errors(document)
    assert len(found) == 3, found


def test_env_example_alone_stops_compose_until_the_secrets_are_filled() -> None:
    with pytest.raises(MissingVariable, match=r"set [A-Z_]+ in \.env"):
        load_compose(example_env())


@pytest.mark.parametrize(("text", "env", "expected"), [
    ("${A}", {"A": "1"}, "1"),
    ("${A:-x}", {"A": ""}, "x"),
    ("${A-x}", {"A": ""}, ""),
    ("${A-x}", {}, "x"),
    ("${A:+y}", {"A": "1"}, "y"),
    ("${A:+y}", {}, ""),
    ("$$HOSTNAME and $${HOSTNAME}", {"HOSTNAME": "h"}, "$HOSTNAME and ${HOSTNAME}"),
    ("$A/${B:-b}", {"A": "a"}, "a/b"),
])
def test_interpolation_follows_compose(text: str, env: dict[str, str], expected: str) -> None:
    assert interpolate(text, env) == expected


def test_required_variables_stop_with_their_message() -> None:
    with pytest.raises(MissingVariable, match="A: set A"):
        interpolate("${A:?set A}", {"A": ""})
    assert interpolate("${A?set A}", {"A": ""}) == ""
