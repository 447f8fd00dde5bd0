"""The demo's last words: a trial balance and a P&L from the warehouse's reporting layer,
beside the same reports from Xero's Reports API (the sandbox's), line by line.

Xero's side is read while the sandbox still runs (``fetch_xero``), printed at the end with
the layer's (``print_side_by_side``). A Custom Connection token is used for the reports: the
sync's own app was not granted ``accounting.reports.read``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests

from xero_sync.warehouse.dbapi import WarehouseTarget, connect
from xero_sync.warehouse.factory import WAREHOUSES
from xero_sync.warehouse.reporting import run_report

CUSTOM_APP = ("sandbox-custom-client-id", "sandbox-custom-client-secret")  # the sandbox's own


@dataclass
class XeroReports:
    """One organisation's trial balance and P&L as Xero's API answered."""

    tenant_id: str
    name: str
    as_at: date
    from_date: date
    trial_balance: dict[str, Any]
    profit_and_loss: dict[str, Any]


def fetch_xero(url: str, as_at: date, from_date: date) -> XeroReports:
    """The Custom Connection's organisation's reports, as at ``as_at`` and for the period."""
    token = requests.post(f"{url}/connect/token", auth=CUSTOM_APP, timeout=30, data={
        "grant_type": "client_credentials",
        "scope": "accounting.reports.read accounting.settings.read"}).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    tenant = requests.get(f"{url}/connections", headers=headers, timeout=30).json()[0]

    def report(name: str, **params: str) -> dict[str, Any]:
        reply = requests.get(f"{url}/api.xro/2.0/Reports/{name}", headers=headers,
                             params=params, timeout=120)
        reply.raise_for_status()
        return dict(reply.json()["Reports"][0])

    return XeroReports(
        str(tenant["tenantId"]), str(tenant["tenantName"]), as_at, from_date,
        report("TrialBalance", date=as_at.isoformat()),
        report("ProfitAndLoss", fromDate=from_date.isoformat(), toDate=as_at.isoformat()))


def _xero_lines(report: dict[str, Any]) -> dict[str, tuple[str, list[Decimal]]]:
    """Account id -> (label, money cells) of a report's account rows."""
    lines = {}
    for section in report["Rows"]:
        for row in section.get("Rows", []):
            cells = row["Cells"]
            account = next((a["Value"] for a in cells[0].get("Attributes") or []
                            if a["Id"] == "account"), None)
            if account:
                lines[account.lower()] = (cells[0]["Value"], [
                    Decimal(c.get("Value") or "0") for c in cells[1:]])
    return lines


def print_side_by_side(warehouse_path: Path, xero: XeroReports) -> None:
    """Both reports, the layer's figures beside Xero's, and how many lines differ."""
    warehouse = WAREHOUSES["sqlite"](connect(WarehouseTarget("sqlite", str(warehouse_path))),
                                     "xero")
    try:
        balance = run_report(warehouse, "trial_balance", xero.tenant_id, xero.as_at)
        profit = run_report(warehouse, "profit_and_loss", xero.tenant_id, xero.from_date,
                            xero.as_at)
    finally:
        warehouse.close()
    tb = _xero_lines(xero.trial_balance)
    print(f"\nTrial balance of {xero.name} as at {xero.as_at} (year to date), from the "
          "reporting layer beside Xero's Reports API:")
    print(f"  {'Account':<42}{'layer Dr':>12}{'layer Cr':>12}{'Xero Dr':>12}{'Xero Cr':>12}")
    differ = 0
    for row in sorted(balance, key=lambda r: (r["section"], r["account_name"])):
        _, cells = tb.get(str(row["account_id"]).lower(), ("", [Decimal(0)] * 4))
        mine = [Decimal(str(row["ytd_debit"])), Decimal(str(row["ytd_credit"]))]
        differ += mine != cells[2:4]
        print(f"  {row['account_name'][:40]:<42}{mine[0]:>12.2f}{mine[1]:>12.2f}"
              f"{cells[2]:>12.2f}{cells[3]:>12.2f}")
    pl = _xero_lines(xero.profit_and_loss)
    print(f"\nProfit and loss of {xero.name}, {xero.from_date} to {xero.as_at}:")
    print(f"  {'Section':<26}{'Account':<36}{'layer':>12}{'Xero':>12}")
    for row in sorted(profit, key=lambda r: (r["section"], r["account_name"])):
        _, cells = pl.get(str(row["account_id"]).lower(), ("", [Decimal(0)]))
        mine = Decimal(str(row["amount"]))
        differ += mine.quantize(Decimal("0.01")) != cells[0]
        print(f"  {row['section'][:24]:<26}{row['account_name'][:34]:<36}{mine:>12.2f}"
              f"{cells[0]:>12.2f}")
    net = sum(Decimal(str(r["amount"])) * (1 if r["account_class"] == "REVENUE" else -1)
              for r in profit)
    xero_net = next((Decimal(row["Cells"][1]["Value"]) for section in
                     xero.profit_and_loss["Rows"] for row in section.get("Rows", [])
                     if row["Cells"][0]["Value"] == "Net Profit"), Decimal(0))
    differ += net.quantize(Decimal("0.01")) != xero_net
    print(f"  {'':<26}{'Net Profit':<36}{net:>12.2f}{xero_net:>12.2f}")
    print(f"\nLines that differ from Xero: {differ} (docs/reporting.md: the layer's views and "
          "functions, and how they are proven equal).")
