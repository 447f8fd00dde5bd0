"""``make bench`` at a tiny scale (``--quick``), so the benchmark cannot rot unnoticed.

The full bench takes minutes and its figures depend on the machine; this runs every section at
a size that finishes in well under a minute and checks the shape of the report and the figures
that do not depend on the machine: calls at the floor, every row stored, every DAG parsed, no
``invalid_grant``.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bench.calls import floor_calls
from bench.common import table

ROOT = Path(__file__).resolve().parents[2]
SECTIONS = {"calls", "sync", "load", "parse", "tokens", "limits", "reports"}


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    """One quick bench run: its JSON report and what it printed."""
    output = tmp_path_factory.mktemp("bench") / "bench.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "plugins"),
                                                         str(ROOT / "tools")])}
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "bench", "--quick", "--output", str(output)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
                          check=False)
    print(f"bench --quick took {time.monotonic() - started:.0f} s")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return json.loads(output.read_text()), done.stdout


def test_floors_follow_the_strategies() -> None:
    assert floor_calls("paged", 0) == 1
    assert floor_calls("paged", 999) == 1
    assert floor_calls("paged", 1000) == 2
    assert floor_calls("journals", 21_686) == 217
    assert floor_calls("client_filtered", 250) == 3
    assert floor_calls("modified_since", 10**6) == floor_calls("full", 5) == 1


def test_tables_align_numbers_right() -> None:
    text = table(["name", "n"], [["a", 1234], ["bb", 5]])
    assert text.splitlines() == ["name      n", "-----------", "a     1,234", "bb        5"]


@pytest.mark.slow
def test_every_section_reports_and_says_how_to_read_it(quick: tuple[dict[str, Any], str]
                                                       ) -> None:
    report, printed = quick
    assert set(report["sections"]) == SECTIONS
    for name, section in report["sections"].items():
        assert "error" not in section, (name, section["error"])
        assert section["command"].endswith(f"--only {name}")
        assert section["how_to_read"]
    assert printed.count("how to read this:") == len(SECTIONS)
    assert len(report["machine"]["load_average_start"]) == 3
    assert "rate limits raised" in report["rate_limits"]


@pytest.mark.slow
def test_figures_that_do_not_depend_on_the_machine(quick: tuple[dict[str, Any], str]) -> None:
    sections = {name: s["report"] for name, s in quick[0]["sections"].items()}
    calls = sections["calls"]
    assert calls["client_and_sandbox_agree"]
    assert {r["strategy"] for r in calls["results"]} == {
        "paged", "journals", "modified_since", "full", "client_filtered"}
    assert all(0 < r["calls"] <= r["floor_calls"] for r in calls["results"])

    synced = sections["sync"]["results"]
    assert len({r["invoices"] for r in synced}) == 1  # every mode read every invoice
    stored = [r for r in synced if r["mode"] in ("sqlite", "postgres")]
    assert stored
    assert all(r["rows_stored"] == r["rows"] > r["invoices"] for r in stored)
    assert all(r["calls"] == math.ceil(r["invoices"] / 1000) for r in synced)

    load = sections["load"]
    assert load["speedup_rows_per_second"]
    # SQLite's floor (the rows inserted, nothing else) proves the ceiling the note quotes.
    floors = [r for r in load["results"] if r["method"] == "floor"]
    assert [r["engine"] for r in floors] == ["sqlite"]
    assert floors[0]["rows"] == next(r["rows"] for r in load["results"] if r["method"] == "naive"
                                     and r["engine"] == "sqlite")
    assert set(load["ceiling_rows_per_second"]["sqlite"]) == {
        "floor_vs_naive", "floor_vs_naive-dbapi", "ours_vs_floor"}
    mappings = len(list((ROOT / "include" / "mappings").glob("*.yaml")))
    for what in sections["parse"]["measures"]:  # a DAG per mapping, and xero__reports
        assert sections["parse"][what]["dags"] == mappings + 1
        assert sections["parse"][what]["import_errors"] == 0

    tokens = sections["tokens"]
    assert tokens["ok"]
    assert tokens["invalid_grant"] == 0
    assert tokens["refreshes"] <= tokens["ideal_refreshes"] + 3
