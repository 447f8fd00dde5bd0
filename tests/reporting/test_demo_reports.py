"""The demo's last words: the layer's trial balance and P&L beside Xero's, with the count of
lines that differ (0), read through the Custom Connection as tools/demo.py reads them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from demo_reports import fetch_xero, print_side_by_side
from tests.reporting.test_layer import load_sandbox
from tests.warehouse.support import sqlite_scratch
from xero_sandbox.server import Sandbox


def test_the_demo_prints_both_reports_and_no_difference(
        sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sandbox.state.reset(identity=True, clock=True)
    scratch = next(sqlite_scratch(tmp_path))
    warehouse = scratch.open()
    load_sandbox(sandbox, warehouse)
    scratch.close_all()
    xero = fetch_xero(sandbox.url, date(2026, 6, 30), date(2025, 7, 1))
    print_side_by_side(Path(scratch.target.database), xero)
    printed = capsys.readouterr().out
    assert f"Trial balance of {xero.name} as at 2026-06-30" in printed
    assert "Net Profit" in printed
    assert printed.count("\n  ") > 20  # account lines of both reports
    assert "Lines that differ from Xero: 0 " in printed
