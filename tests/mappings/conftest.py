"""Shared fixtures: the project's mappings and the sandbox's organisations, made once a session."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from xero_sandbox.generator import generate_organisation
from xero_sync.mapping import ObjectMapping, load_mappings

MAPPINGS_DIR = Path(__file__).resolve().parents[2] / "include" / "mappings"

# Every mapping file: the parametrised tests follow the directory, so a new mapping is checked
# like the others without editing a list.
OBJECTS = tuple(sorted(path.stem for path in MAPPINGS_DIR.glob("*.yaml")))

SEED = 7
SCALE = 100  # about 100 invoices an organisation: every optional field appears at least once
TENANT_IDS = tuple(str(uuid.UUID(int=index + 1, version=4)) for index in range(4))  # NZ AU UK US

Record = dict[str, Any]


@pytest.fixture(scope="session")
def mappings() -> dict[str, ObjectMapping]:
    """The project's mappings by name."""
    return {mapping.name: mapping for mapping in load_mappings(MAPPINGS_DIR)}


@pytest.fixture(scope="session")
def organisations() -> dict[str, dict[str, list[Record]]]:
    """Four sandbox organisations (one per country profile): {tenant id: {collection: records}}."""
    return {
        tenant_id: generate_organisation(SEED, index, tenant_id, f"Org {index}", SCALE)
        for index, tenant_id in enumerate(TENANT_IDS)
    }
