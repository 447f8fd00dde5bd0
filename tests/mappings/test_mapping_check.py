"""``python -m xero_sync.mapping check FILE``: a mapping checked without Airflow.

The command must validate with the loader's own rules, show each table and column with its
SQL types and the scope the app needs, exit 1 with the precise error otherwise, and never
import Airflow (it is for a machine, or a moment, without it).
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from tests.mappings.conftest import MAPPINGS_DIR
from xero_sync.mapping import load_mapping
from xero_sync.mapping_check import main
from xero_sync.scopes import ENDPOINT_SCOPES
from xero_sync.warehouse.dialect import MSSQL, POSTGRES
from xero_sync.warehouse.tables import mapping_tables

ROOT = MAPPINGS_DIR.parents[1]
# Run the command as a user does, in a fresh interpreter where importing Airflow fails.
NO_AIRFLOW = textwrap.dedent("""
    import runpy, sys

    class NoAirflow:
        def find_spec(self, name, path=None, target=None):
            if name == "airflow" or name.startswith("airflow."):
                raise ImportError(f"the mapping check imported {name}")
            return None

    sys.meta_path.insert(0, NoAirflow())
    sys.argv = ["xero_sync.mapping", *sys.argv[1:]]
    runpy.run_module("xero_sync.mapping", run_name="__main__", alter_sys=True)
""")


def run_check(*files: Path | str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", NO_AIRFLOW, "check", *map(str, files)], capture_output=True,
        text=True, check=False, cwd=ROOT, env={"PYTHONPATH": str(ROOT / "plugins"),
                                               "PATH": "/usr/bin:/bin"})


def check(*files: Path) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["check", *map(str, files)], out)
    return code, out.getvalue()


def invoices_document() -> dict:
    return yaml.safe_load((MAPPINGS_DIR / "invoices.yaml").read_text(encoding="utf-8"))


def write(folder: Path, name: str, document: dict) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def test_the_command_runs_without_airflow_and_shows_tables_types_and_scope() -> None:
    path = MAPPINGS_DIR / "invoices.yaml"
    result = run_check(path)
    assert result.returncode == 0, result.stderr
    mapping = load_mapping(path)
    shown = result.stdout
    assert f"{path}: valid" in shown
    assert "Scope: accounting.invoices.read" in shown
    assert "accounting.transactions.read (older apps)" in shown
    for table in mapping_tables(mapping):
        assert f"Table xero.{table.name} " in shown
        block = shown.split(f"Table xero.{table.name} ")[1].split("\n\n")[0]
        for column in table.columns:
            line = re.search(rf"^  {column.name} +(.+)$", block, re.M)
            assert line, f"{table.name}.{column.name}"
            assert MSSQL.sql_type(column) in line.group(1)
            assert POSTGRES.sql_type(column) in line.group(1)


def test_a_broken_mapping_exits_1_naming_file_field_found_and_expected(tmp_path: Path) -> None:
    document = invoices_document()
    document["columns"][2]["type"] = "text"
    path = write(tmp_path, "invoices", document)
    result = run_check(path)
    assert result.returncode == 1
    assert f"{path}: columns[2].type: found 'text'; expected one of guid, string" in result.stdout


@pytest.mark.parametrize("mapping", sorted(MAPPINGS_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_project_mapping_passes_with_its_scope(mapping: Path) -> None:
    code, shown = check(mapping)
    loaded = load_mapping(mapping)
    assert code == 0, shown
    assert f"Scope: {ENDPOINT_SCOPES[(loaded.api, loaded.resource)].granular} " in shown


def test_an_unknown_endpoint_is_refused_with_the_known_ones(tmp_path: Path) -> None:
    document = invoices_document()
    document["resource"] = "Invoice"
    code, shown = check(write(tmp_path, "invoices", document))
    assert code == 1
    assert "resource: found 'Invoice'; expected a Xero accounting endpoint" in shown
    assert "Invoices" in shown


def test_a_table_another_mapping_creates_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "invoices", invoices_document())
    document = invoices_document()
    document["name"] = "sales"
    document["children"] = [{**document["children"][0], "children": None}]  # line items only
    code, shown = check(write(tmp_path, "sales", document))
    assert code == 1
    assert f"table 'invoice_line_items' is also defined by {tmp_path / 'invoices.yaml'}" in shown


def test_a_name_the_warehouse_cannot_use_is_refused_with_its_field(tmp_path: Path) -> None:
    """PostgreSQL would cut it to 63 characters: the loader refuses it, so the DAG is a
    broken-mapping DAG from the start instead of a sync failing at its first run."""
    document = invoices_document()
    document["columns"][2]["name"] = "n" * 70
    path = write(tmp_path, "invoices", document)
    code, shown = check(path)
    assert code == 1
    assert (f"{path}: columns[2].name: found '{'n' * 70}'; expected snake_case: lower-case "
            "letters, digits and _, at most 63 characters") in shown


def test_a_missing_file_and_a_usage_error(tmp_path: Path) -> None:
    code, shown = check(tmp_path / "nothing.yaml")
    assert code == 1
    assert "nothing.yaml: no such file" in shown
    assert run_check().returncode == 2  # no file named
