"""Reading a Reports API response (Xero's or the sandbox's) into figures a test can compare,
and checking it has Xero's shape.

The readers work on Xero's own published examples (tests of this module run them on
``xero_report_examples.json``), so what they read from the sandbox is read as from Xero.
Amounts become integer cents; an account is keyed by its ``account`` attribute (AccountID).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema

HERE = Path(__file__).parent
SCHEMA = json.loads((HERE / "report_schema.json").read_text(encoding="utf-8"))
# Checked once here: ``jsonschema.validate`` checks the schema itself on every call, which was
# four fifths of the reporting comparisons' time (hundreds of responses a comparison).
VALIDATOR_CLASS = jsonschema.validators.validator_for(SCHEMA)
VALIDATOR_CLASS.check_schema(SCHEMA)
VALIDATOR = VALIDATOR_CLASS(SCHEMA)
EXAMPLES = json.loads((HERE / "xero_report_examples.json").read_text(encoding="utf-8"))
MONEY = re.compile(r"^-?\d+\.\d{2}$")
ZERO_ID = "00000000-0000-0000-0000-000000000000"
Report = dict[str, Any]


def check_shape(envelope: dict[str, Any]) -> Report:
    """Validate a response against Xero's ReportWithRows schema and the rules its examples
    show (two levels of rows, string values); returns ``Reports[0]``."""
    error = jsonschema.exceptions.best_match(VALIDATOR.iter_errors(envelope))
    if error is not None:
        raise error
    assert len(envelope["Reports"]) == 1
    report: Report = envelope["Reports"][0]
    for key in ("ReportName", "ReportType", "ReportTitles", "ReportDate", "Rows"):
        assert key in report, key
    assert report["Rows"][0]["RowType"] == "Header"
    for top in report["Rows"]:
        assert top["RowType"] in ("Header", "Section"), top
        for inner in top.get("Rows", []):
            assert inner["RowType"] in ("Row", "SummaryRow"), inner
            assert "Rows" not in inner, "Xero's rows are two levels deep"
            assert all(isinstance(c.get("Value", ""), str) for c in inner["Cells"])
    return report


def cents(value: str | None) -> int:
    """Cents of a money cell; a blank cell is zero."""
    if not value:
        return 0
    assert MONEY.match(value), f"not Xero's money format: {value!r}"
    return int(Decimal(value) * 100)


def _attribute(cell: dict[str, Any], name: str) -> str | None:
    for attribute in cell.get("Attributes") or []:
        if attribute.get("Id") == name:
            return str(attribute.get("Value"))
    return None


def _rows(report: Report) -> list[tuple[str, dict[str, Any]]]:
    """(section title, row) for every inner row."""
    return [(top.get("Title") or "", inner) for top in report["Rows"]
            for inner in top.get("Rows", [])]


@dataclass
class TrialBalance:
    """Per account: month and year-to-date, debit positive; the total row."""

    month: dict[str, int] = field(default_factory=dict)
    ytd: dict[str, int] = field(default_factory=dict)
    totals: list[int] = field(default_factory=list)


def trial_balance(report: Report) -> TrialBalance:
    result = TrialBalance()
    for _, line in _rows(report):
        values = [c.get("Value", "") for c in line["Cells"]]
        if line["RowType"] == "SummaryRow":
            result.totals = [cents(v) for v in values[1:]]
            continue
        account = _attribute(line["Cells"][0], "account")
        assert account, line
        result.month[account] = cents(values[1]) - cents(values[2])
        result.ytd[account] = cents(values[3]) - cents(values[4])
    return result


@dataclass
class Statement:
    """P&L or balance sheet: per account (CYE as the zero id) and per summary line, the
    columns in order."""

    accounts: dict[str, list[int]] = field(default_factory=dict)
    lines: dict[str, list[int]] = field(default_factory=dict)  # "Total Income", "Net Profit"
    columns: list[str] = field(default_factory=list)


def statement(report: Report) -> Statement:
    result = Statement(columns=[c.get("Value", "") for c in report["Rows"][0]["Cells"][1:]])
    for _, line in _rows(report):
        label = line["Cells"][0].get("Value", "")
        values = [cents(c.get("Value")) for c in line["Cells"][1:]]
        account = _attribute(line["Cells"][0], "account")
        if account:
            result.accounts[account] = values
        else:
            result.lines[label.strip()] = values
    return result


@dataclass
class Aged:
    """Per invoice: (total, paid, credited, due); the opening and closing balances."""

    invoices: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)
    opening: int = 0
    closing: int = 0


def aged(report: Report) -> Aged:
    result = Aged()
    for _, line in _rows(report):
        values = [c.get("Value", "") for c in line["Cells"]]
        invoice = _attribute(line["Cells"][0], "invoiceID")
        if invoice:
            result.invoices[invoice.lower()] = (cents(values[4]), cents(values[5]),
                                                cents(values[6]), cents(values[7]))
        elif values[1] == "Opening Balance":
            result.opening = cents(values[7])
        elif values[0] == "Closing Balance":
            result.closing = cents(values[7])
    return result
