"""Read docker-compose.yaml as Docker Compose does, without a Docker engine.

``read_env_file`` parses a ``.env`` file, ``interpolate`` applies Compose's variable syntax
(``${VAR}``, ``${VAR:-default}``, ``${VAR-default}``, ``${VAR:?error}``, ``${VAR?error}``,
``${VAR:+alt}``, ``${VAR+alt}``, ``$VAR`` and ``$$`` for a literal dollar), and ``load_compose``
returns the file with YAML anchors merged and every string interpolated: the document that
``docker compose config`` would validate.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yaml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKER = ROOT / "docker"
SCHEMA = Path(__file__).resolve().parent / "compose-spec.json"

_VARIABLE = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[^}]*)\}|(?P<named>[A-Za-z_][A-Za-z0-9_]*))")
_BRACED = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>.*))?$",
                     re.DOTALL)
REFERENCE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)")


class MissingVariable(Exception):
    """A ``${VAR:?message}`` whose variable is unset: Compose stops with the message."""


def read_env_file(path: Path) -> dict[str, str]:
    """``NAME=value`` lines (comments and blank lines skipped, paired quotes removed)."""
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        name, sep, value = stripped.partition("=")
        assert sep, f"{path.name}: not a NAME=value line: {line!r}"
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name.strip()] = value
    return values


def interpolate(text: str, env: Mapping[str, str]) -> str:
    """One string, as Compose interpolates it."""
    def replace(match: re.Match[str]) -> str:
        if match.group("escaped"):
            return "$"
        if match.group("named"):
            return env.get(match.group("named"), "")
        braced = _BRACED.match(match.group("braced"))
        assert braced, f"unsupported interpolation {match.group(0)!r}"
        name, op, arg = braced.group("name"), braced.group("op"), braced.group("arg")
        assert arg is None or "${" not in arg, f"nested interpolation in {match.group(0)!r}"
        value = env.get(name)
        if op is None:
            return value or ""
        unset = value is None or (op.startswith(":") and value == "")
        kind = op[-1]
        if kind == "-":
            return str(arg) if unset else str(value)
        if kind == "?":
            if unset:
                raise MissingVariable(f"{name}: {arg}")
            return str(value)
        return "" if unset else str(arg)  # "+": the alternative when set

    return _VARIABLE.sub(replace, text)


def _walk(node: Any, env: Mapping[str, str]) -> Any:
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, list):
        return [_walk(item, env) for item in node]
    if isinstance(node, dict):
        return {key: _walk(value, env) for key, value in node.items()}
    return node


@cache
def raw_compose() -> dict[str, Any]:
    """The compose file with anchors merged, before interpolation."""
    loaded = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def load_compose(env: Mapping[str, str]) -> dict[str, Any]:
    """The compose file as Compose sees it with these variables."""
    return _walk(raw_compose(), env)


def docker_module(name: str) -> ModuleType:
    """A script of docker/ (not a package), imported by path."""
    key = f"xero_sync_docker_{name}"
    if key in sys.modules:
        return sys.modules[key]
    spec = importlib.util.spec_from_file_location(key, DOCKER / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[key] = module
    spec.loader.exec_module(module)
    return module


def example_env() -> dict[str, str]:
    """The settings of .env.example as they are (secrets still empty)."""
    return read_env_file(ENV_EXAMPLE)


@cache
def _completed() -> tuple[tuple[str, str], ...]:
    new_env = docker_module("new_env")
    text = new_env.render(ENV_EXAMPLE.read_text(encoding="utf-8"))
    values = []
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            values.append((name.strip(), value.strip()))
    return tuple(values)


def filled_env(**changes: str) -> dict[str, str]:
    """.env.example completed the way docker/new_env.py completes it (the same random values
    for the whole test session), plus ``changes``."""
    values = dict(_completed())
    values.update(changes)
    return values


def compose_references() -> set[str]:
    """Every variable docker-compose.yaml interpolates."""
    return set(REFERENCE.findall(COMPOSE_FILE.read_text(encoding="utf-8")))
