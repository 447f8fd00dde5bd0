"""Xero's own reports, kept in the warehouse (``report_snapshots``, ``report_snapshot_lines``)
and compared with the reporting layer (docs/reporting.md, "Xero's own numbers").

The ``xero__reports`` DAG (``xero_sync.report_snapshots``) reads Xero's Reports API for chosen
dates and stores each report here: one ``report_snapshots`` row per report taken (organisation,
report, period, contact for the aged reports, Xero's titles and report date, when it was
taken) and one ``report_snapshot_lines`` row per figure of it: its row's place and section, the
row's label, the column's heading, the account (AccountID from the cell's ``account``
attribute, the code from the label) or other item (an aged report's invoice), the value as
Xero wrote it and, when it is money, as an exact decimal.

A snapshot is keyed by ``snapshot_key`` (report, period and contact): taking it again
replaces it, lines and all, in one transaction, so a re-run of a date never doubles a figure
and a reader never sees half a report.

``differences`` compares the snapshots of an organisation and date with the layer's reports
(trial balance, balance sheet and P&L by account and their totals, aged reports per invoice
and closing balance), in integer cents. SQL Server's statements are golden files
(``tests/golden/mssql/_control_report_snapshot_*.sql``, part of
``tsql.control_statements``); every value is a bound parameter.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from xero_sync.warehouse.dialect import MSSQL, Dialect
from xero_sync.warehouse.tables import TENANT_ID, ColumnSpec, TableSpec
from xero_sync.warehouse.values import json_converter, sqlite_converter

if TYPE_CHECKING:
    from xero_sync.warehouse.sqlbase import SqlWarehouse

SNAPSHOT_KEY_LENGTH = 200
REPORT_SNAPSHOTS = TableSpec("report_snapshots", (
    TENANT_ID, ColumnSpec("snapshot_key", "string", SNAPSHOT_KEY_LENGTH, nullable=False),
    ColumnSpec("report_name", "string", 50, nullable=False),
    ColumnSpec("as_at", "date", nullable=False), ColumnSpec("from_date", "date"),
    ColumnSpec("contact_id", "guid"), ColumnSpec("report_titles", "string", 1000),
    ColumnSpec("xero_report_date", "string", 50),
    ColumnSpec("taken_at", "timestamp", nullable=False), ColumnSpec("run_id", "string", 250),
    ColumnSpec("line_count", "integer", nullable=False),
), ("tenant_id", "snapshot_key"))
REPORT_SNAPSHOT_LINES = TableSpec("report_snapshot_lines", (
    TENANT_ID, ColumnSpec("snapshot_key", "string", SNAPSHOT_KEY_LENGTH, nullable=False),
    ColumnSpec("line_no", "integer", nullable=False),
    ColumnSpec("column_no", "integer", nullable=False),
    ColumnSpec("report_name", "string", 50, nullable=False),
    ColumnSpec("as_at", "date", nullable=False),
    ColumnSpec("section", "string", 255), ColumnSpec("row_type", "string", 20, nullable=False),
    ColumnSpec("label", "string", 500), ColumnSpec("column_name", "string", 255),
    ColumnSpec("account_id", "guid"), ColumnSpec("account_code", "string", 50),
    ColumnSpec("item_id", "string", 100), ColumnSpec("value", "string", 500),
    ColumnSpec("amount", "money"),
), ("tenant_id", "snapshot_key", "line_no", "column_no"))
SNAPSHOT_TABLES = (REPORT_SNAPSHOTS, REPORT_SNAPSHOT_LINES)

# Xero's reports this package snapshots, by the name of their path (/Reports/<name>).
TRIAL_BALANCE, PROFIT_AND_LOSS, BALANCE_SHEET = "TrialBalance", "ProfitAndLoss", "BalanceSheet"
AGED_RECEIVABLES, AGED_PAYABLES = "AgedReceivablesByContact", "AgedPayablesByContact"
SNAPSHOT_REPORTS = (TRIAL_BALANCE, PROFIT_AND_LOSS, BALANCE_SHEET, AGED_RECEIVABLES,
                    AGED_PAYABLES)
AGED_REPORTS = (AGED_RECEIVABLES, AGED_PAYABLES)
ZERO_ID = "00000000-0000-0000-0000-000000000000"  # Current Year Earnings, as Xero marks it
_MONEY = re.compile(r"^-?\d+(\.\d+)?$")
_CODE_IN_LABEL = re.compile(r"\(([^()]+)\)\s*$")


@dataclass(frozen=True)
class SnapshotLine:
    """One figure (or text cell) of a report."""

    line_no: int
    column_no: int
    section: str
    row_type: str
    label: str
    column_name: str
    account_id: str | None
    account_code: str | None
    item_id: str | None
    value: str
    amount: Decimal | None


@dataclass(frozen=True)
class Snapshot:
    """One report of one organisation as Xero answered it."""

    tenant_id: str
    report_name: str
    as_at: date
    from_date: date | None
    contact_id: str | None
    report_titles: str
    xero_report_date: str
    lines: tuple[SnapshotLine, ...]

    @property
    def snapshot_key(self) -> str:
        return snapshot_key(self.report_name, self.as_at, self.from_date, self.contact_id)


def snapshot_key(report_name: str, as_at: date, from_date: date | None = None,
                 contact_id: str | None = None) -> str:
    """What a snapshot replaces: the same report, period and contact."""
    return "|".join([report_name, "" if from_date is None else from_date.isoformat(),
                     as_at.isoformat(), (contact_id or "").lower()])


def _guid(text: str | None) -> str | None:
    try:
        return str(uuid.UUID(str(text))) if text else None
    except ValueError:
        return None


def _amount(value: str) -> Decimal | None:
    text = value.replace(",", "").strip()
    if not _MONEY.match(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        return None


def _attributes(cells: Sequence[dict[str, Any]]) -> dict[str, str]:
    """Every attribute of a row's cells (Xero repeats the account on each cell)."""
    found: dict[str, str] = {}
    for cell in cells:
        for attribute in cell.get("Attributes") or []:
            if attribute.get("Id") and attribute.get("Value") is not None:
                found.setdefault(str(attribute["Id"]), str(attribute["Value"]))
    return found


def parse_report(envelope: dict[str, Any], tenant_id: str, report_name: str, as_at: date,
                 from_date: date | None = None, contact_id: str | None = None) -> Snapshot:
    """A Reports API answer (``{"Reports": [ … ]}``) as a snapshot: one line per cell of each
    row after the label, numbered in the order Xero lists them."""
    reports = envelope.get("Reports") or []
    if len(reports) != 1:
        raise ValueError(f"{report_name}: expected one report in the answer, found "
                         f"{len(reports)}")
    report = reports[0]
    columns: list[str] = []
    lines: list[SnapshotLine] = []
    line_no = 0
    for top in report.get("Rows") or []:
        if top.get("RowType") == "Header":
            columns = [str(c.get("Value") or "") for c in top.get("Cells") or []]
            continue
        section = str(top.get("Title") or "")
        inner = top.get("Rows") or ([top] if top.get("Cells") else [])
        for row in inner:
            cells = row.get("Cells") or []
            if not cells:
                continue
            line_no += 1
            label = str(cells[0].get("Value") or "")
            attributes = _attributes(cells)
            account = attributes.get("account")
            account_id = _guid(account)
            code = account if account and account_id is None else None
            if code is None and account_id is not None:
                match = _CODE_IN_LABEL.search(label)
                code = match.group(1) if match else None
            item = next((v for k, v in attributes.items() if k != "account"), None)
            for column_no, cell in enumerate(cells[1:], 1):
                value = str(cell.get("Value") or "")
                lines.append(SnapshotLine(
                    line_no, column_no, section[:255], str(row.get("RowType") or "Row"),
                    label[:500], (columns[column_no] if column_no < len(columns) else "")[:255],
                    account_id, code[:50] if code else None,
                    item[:100] if item else None, value[:500], _amount(value)))
    return Snapshot(tenant_id.lower(), report_name, as_at, from_date,
                    contact_id.lower() if contact_id else None,
                    " | ".join(str(t) for t in report.get("ReportTitles") or [])[:1000],
                    str(report.get("ReportDate") or "")[:50], tuple(lines))


# -- statements ------------------------------------------------------------------------------


def delete_sql(sql: Dialect, schema: str, spec: TableSpec) -> str:
    """Parameters: tenant_id, snapshot_key."""
    q, m = sql.quote, sql.marker
    return (f"DELETE FROM {sql.table(schema, spec.name)} "  # noqa: S608 - identifiers only
            f"WHERE {q('tenant_id')} = {m} AND {q('snapshot_key')} = {m}")


def insert_sql(sql: Dialect, schema: str, spec: TableSpec) -> str:
    """One row, every column in order."""
    return (f"INSERT INTO {sql.table(schema, spec.name)} "  # noqa: S608 - identifiers only
            f"({sql.columns(spec.names)}) VALUES ({sql.markers(len(spec.names))})")


def insert_lines_tsql(schema: str) -> str:
    """SQL Server: a report's lines as one JSON parameter (one round trip, exact decimals as
    JSON strings)."""
    q = MSSQL.quote
    spec = REPORT_SNAPSHOT_LINES
    typed = ",\n    ".join(
        f"{q(c.name)} {_json_type(MSSQL.sql_type(c))} '$.\"{c.name}\"'" for c in spec.columns)
    return (
        "DECLARE @json NVARCHAR(MAX) = %s;\n"
        f"INSERT INTO {MSSQL.table(schema, spec.name)} ({MSSQL.columns(spec.names)})\n"
        f"SELECT {MSSQL.columns(spec.names, 'j')}\n"
        f"FROM OPENJSON(@json) WITH (\n    {typed}\n) AS j"
    )


def _json_type(sql_type: str) -> str:
    """OPENJSON cuts longer text to a declared length silently: read text unbounded, so the
    insert refuses what does not fit instead."""
    return "NVARCHAR(MAX)" if sql_type.startswith("NVARCHAR") else sql_type


def select_lines_sql(sql: Dialect, schema: str) -> str:
    """The lines of an organisation's snapshots of one date, with the snapshot's period and
    contact. Parameters: tenant_id, as_at."""
    q, m = sql.quote, sql.marker
    lines = sql.table(schema, REPORT_SNAPSHOT_LINES.name)
    snapshots = sql.table(schema, REPORT_SNAPSHOTS.name)
    picked = ", ".join(f"l.{q(c)}" for c in ("report_name", "line_no", "column_no", "section",
                                              "row_type", "label", "column_name",
                                              "account_id", "item_id", "amount"))
    return (f"SELECT s.{q('snapshot_key')}, s.{q('from_date')}, s.{q('contact_id')}, "  # noqa: S608
            f"{picked} FROM {snapshots} AS s JOIN {lines} AS l "
            f"ON l.{q('tenant_id')} = s.{q('tenant_id')} "
            f"AND l.{q('snapshot_key')} = s.{q('snapshot_key')} "
            f"WHERE s.{q('tenant_id')} = {m} AND s.{q('as_at')} = {m} "
            f"ORDER BY s.{q('snapshot_key')}, l.{q('line_no')}, l.{q('column_no')}")


def tsql_statements(schema: str) -> dict[str, str]:
    """Every statement snapshots send to SQL Server, by name (golden files)."""
    from xero_sync.warehouse.ddl import create_table

    statements = {f"create_{spec.name}": create_table(MSSQL, schema, spec)
                  for spec in SNAPSHOT_TABLES}
    for spec in SNAPSHOT_TABLES:
        statements[f"delete_{spec.name}"] = delete_sql(MSSQL, schema, spec)
    statements["insert_report_snapshots"] = insert_sql(MSSQL, schema, REPORT_SNAPSHOTS)
    statements["insert_report_snapshot_lines"] = insert_lines_tsql(schema)
    statements["select_report_snapshot_lines"] = select_lines_sql(MSSQL, schema)
    return statements


# -- storing and reading ---------------------------------------------------------------------


def ensure_snapshot_tables(warehouse: SqlWarehouse) -> None:
    """Create the two tables if missing (or add columns a later version has), under the DDL
    lock every ``ensure_tables`` takes."""
    with warehouse.transaction("create the report snapshot tables", warehouse.schema) as cursor:
        warehouse._lock_ddl(cursor)
        warehouse._create_schema(cursor)
        for spec in SNAPSHOT_TABLES:
            warehouse._ensure_table(cursor, spec, "the xero__reports DAG")


def _row(spec: TableSpec, values: dict[str, Any], dialect: str) -> tuple[Any, ...]:
    if dialect == "sqlite":
        return tuple(None if values[c.name] is None else sqlite_converter(c.type)(values[c.name])
                     for c in spec.columns)
    return tuple(values[c.name] for c in spec.columns)


def _line_values(snapshot: Snapshot, line: SnapshotLine) -> dict[str, Any]:
    return {"tenant_id": snapshot.tenant_id, "snapshot_key": snapshot.snapshot_key,
            "line_no": line.line_no, "column_no": line.column_no,
            "report_name": snapshot.report_name, "as_at": snapshot.as_at,
            "section": line.section, "row_type": line.row_type, "label": line.label,
            "column_name": line.column_name, "account_id": line.account_id,
            "account_code": line.account_code, "item_id": line.item_id, "value": line.value,
            "amount": line.amount}


def store_snapshot(warehouse: SqlWarehouse, snapshot: Snapshot, taken_at: datetime,
                   run_id: str | None) -> int:
    """Replace the organisation's snapshot of this report, period and contact, in one
    transaction; returns the lines stored."""
    sql, schema = warehouse.sql, warehouse.schema
    head = {"tenant_id": snapshot.tenant_id, "snapshot_key": snapshot.snapshot_key,
            "report_name": snapshot.report_name, "as_at": snapshot.as_at,
            "from_date": snapshot.from_date, "contact_id": snapshot.contact_id,
            "report_titles": snapshot.report_titles,
            "xero_report_date": snapshot.xero_report_date, "taken_at": taken_at,
            "run_id": run_id, "line_count": len(snapshot.lines)}
    lines = [_line_values(snapshot, line) for line in snapshot.lines]
    where = f"{warehouse.table(REPORT_SNAPSHOTS.name)} ({snapshot.snapshot_key})"
    with warehouse.transaction(f"store the {snapshot.report_name} snapshot", where) as cursor:
        for spec in (REPORT_SNAPSHOT_LINES, REPORT_SNAPSHOTS):
            cursor.execute(delete_sql(sql, schema, spec),
                           (snapshot.tenant_id, snapshot.snapshot_key))
        cursor.execute(insert_sql(sql, schema, REPORT_SNAPSHOTS),
                       _row(REPORT_SNAPSHOTS, head, sql.name))
        if not lines:
            return 0
        if sql.name == "mssql":
            cursor.execute(insert_lines_tsql(schema), (_lines_json(lines),))
        else:
            cursor.executemany(insert_sql(sql, schema, REPORT_SNAPSHOT_LINES),
                               [_row(REPORT_SNAPSHOT_LINES, line, sql.name) for line in lines])
    return len(lines)


def _lines_json(lines: list[dict[str, Any]]) -> str:
    converters = {c.name: json_converter(c.type) for c in REPORT_SNAPSHOT_LINES.columns}
    records = [{name: None if value is None else converters[name](value)
                for name, value in line.items()} for line in lines]
    return json.dumps(records, ensure_ascii=True, separators=(",", ":"))


@dataclass(frozen=True)
class StoredLine:
    """A snapshot line as read back for the comparison."""

    snapshot_key: str
    report_name: str
    from_date: str | None
    contact_id: str | None
    line_no: int
    column_no: int
    section: str
    row_type: str
    label: str
    column_name: str
    account_id: str | None
    item_id: str | None
    amount: Decimal | None


def stored_lines(warehouse: SqlWarehouse, tenant_id: str, as_at: date) -> list[StoredLine]:
    """Every line of the organisation's snapshots of ``as_at``."""
    with warehouse.transaction("read report snapshots",
                               warehouse.table(REPORT_SNAPSHOTS.name)) as cursor:
        cursor.execute(select_lines_sql(warehouse.sql, warehouse.schema),
                       (tenant_id.lower(), as_at.isoformat() if warehouse.dialect == "sqlite"
                        else as_at))
        rows = cursor.fetchall()
    return [StoredLine(str(key), str(report), None if start is None else str(start)[:10],
                       None if contact is None else str(contact).lower(), int(line_no),
                       int(column_no), str(section or ""), str(row_type), str(label or ""),
                       str(column or ""), None if account is None else str(account).lower(),
                       None if item is None else str(item).lower(),
                       None if amount is None else Decimal(str(amount)))
            for key, start, contact, report, line_no, column_no, section, row_type, label,
            column, account, item, amount in rows]


# -- the comparison --------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """One figure on which Xero's snapshot and the reporting layer disagree (cents)."""

    report_name: str
    as_at: date
    item: str
    xero: int
    layer: int

    def __str__(self) -> str:
        return (f"{self.report_name} {self.as_at} {self.item}: Xero {self.xero / 100:.2f}, "
                f"layer {self.layer / 100:.2f}")


def cents(value: Any) -> int:
    """Cents of an amount (Decimal, SQLite's float or text, None)."""
    if value is None or value == "":
        return 0
    return int((Decimal(str(value)) * 100).quantize(Decimal(1)))


def _by_report(lines: Iterable[StoredLine]) -> dict[str, dict[str, list[StoredLine]]]:
    """report name -> snapshot key -> lines."""
    grouped: dict[str, dict[str, list[StoredLine]]] = {}
    for line in lines:
        grouped.setdefault(line.report_name, {}).setdefault(line.snapshot_key, []).append(line)
    return grouped


def _rows(lines: list[StoredLine]) -> list[list[StoredLine]]:
    """Lines grouped into report rows, in order."""
    rows: dict[int, list[StoredLine]] = {}
    for line in lines:
        rows.setdefault(line.line_no, []).append(line)
    return [sorted(cells, key=lambda c: c.column_no) for _, cells in sorted(rows.items())]


def _column(row: list[StoredLine], column_no: int) -> int:
    return next((cents(c.amount) for c in row if c.column_no == column_no), 0)


def _compare(report: str, as_at: date, what: str, xero: dict[str, int],
             layer: dict[str, int]) -> list[Difference]:
    keys = {k for k, v in xero.items() if v} | {k for k, v in layer.items() if v}
    return [Difference(report, as_at, f"{what} {k}", xero.get(k, 0), layer.get(k, 0))
            for k in sorted(keys) if xero.get(k, 0) != layer.get(k, 0)]


def compare_trial_balance(lines: list[StoredLine], layer: list[dict[str, Any]],
                          as_at: date) -> list[Difference]:
    """Month and year-to-date net (debit - credit) per account, and the totals."""
    xero_month: dict[str, int] = {}
    xero_ytd: dict[str, int] = {}
    xero_totals = [0, 0]
    for row in _rows(lines):
        month = _column(row, 1) - _column(row, 2)
        ytd = _column(row, 3) - _column(row, 4)
        if row[0].row_type == "SummaryRow":
            xero_totals = [month, ytd]
        elif row[0].account_id:
            xero_month[row[0].account_id] = month
            xero_ytd[row[0].account_id] = ytd
    key = "account"
    got_month = {str(r["account_id"]).lower(): cents(r["month_net"]) for r in layer}
    got_ytd = {str(r["account_id"]).lower(): cents(r["ytd_net"]) for r in layer}
    found = _compare(TRIAL_BALANCE, as_at, f"month {key}", xero_month, got_month)
    found += _compare(TRIAL_BALANCE, as_at, f"YTD {key}", xero_ytd, got_ytd)
    totals = [sum(cents(r["debit"]) - cents(r["credit"]) for r in layer),
              sum(cents(r["ytd_debit"]) - cents(r["ytd_credit"]) for r in layer)]
    for name, xero_total, layer_total in zip(("month total", "YTD total"), xero_totals,
                                             totals, strict=True):
        if xero_total != layer_total:
            found.append(Difference(TRIAL_BALANCE, as_at, name, xero_total, layer_total))
    return found


def _statement(lines: list[StoredLine]) -> tuple[dict[str, int], dict[str, int]]:
    """(per account, per summary line) of the first amount column."""
    accounts: dict[str, int] = {}
    totals: dict[str, int] = {}
    for row in _rows(lines):
        if row[0].account_id:
            accounts[row[0].account_id] = _column(row, 1)
        elif row[0].label.strip():
            totals[row[0].label.strip()] = _column(row, 1)
    return accounts, totals


def compare_balance_sheet(lines: list[StoredLine], layer: list[dict[str, Any]],
                          as_at: date) -> list[Difference]:
    """Every account (Current Year Earnings as the zero id) and net assets."""
    accounts, totals = _statement(lines)
    got = {str(r["account_id"]).lower(): cents(r["amount"]) for r in layer}
    found = _compare(BALANCE_SHEET, as_at, "account", accounts, got)
    net = (sum(cents(r["amount"]) for r in layer if r["account_class"] == "ASSET")
           - sum(cents(r["amount"]) for r in layer if r["account_class"] == "LIABILITY"))
    if "Net Assets" in totals and totals["Net Assets"] != net:
        found.append(Difference(BALANCE_SHEET, as_at, "Net Assets", totals["Net Assets"], net))
    return found


def compare_profit_and_loss(lines: list[StoredLine], layer: list[dict[str, Any]],
                            as_at: date) -> list[Difference]:
    """Every account of the period and net profit."""
    accounts, totals = _statement(lines)
    got = {str(r["account_id"]).lower(): cents(r["amount"]) for r in layer}
    found = _compare(PROFIT_AND_LOSS, as_at, "account", accounts, got)
    net = sum(cents(r["amount"]) * (1 if r["account_class"] == "REVENUE" else -1)
              for r in layer)
    if "Net Profit" in totals and totals["Net Profit"] != net:
        found.append(Difference(PROFIT_AND_LOSS, as_at, "Net Profit", totals["Net Profit"],
                                net))
    return found


def compare_aged(report_name: str, lines: list[StoredLine], layer: list[dict[str, Any]],
                 as_at: date) -> list[Difference]:
    """Per invoice the amount due (the report's last column) and the contact's closing
    balance; ``layer`` holds the layer's aged rows of the same contact."""
    rows = _rows(lines)
    last = max((c.column_no for c in lines), default=0)
    xero = {row[0].item_id: _column(row, last) for row in rows if row[0].item_id}
    closing = next((_column(row, last) for row in rows if row[0].label == "Closing Balance"),
                   None)
    got = {str(r["invoice_id"]).lower(): cents(r["due"]) for r in layer}
    contact = lines[0].contact_id if lines else ""
    found = _compare(report_name, as_at, f"contact {contact} invoice", xero, got)
    due = sum(got.values())
    if closing is not None and closing != due:
        found.append(Difference(report_name, as_at, f"contact {contact} closing balance",
                                closing, due))
    return found


LEDGER_REPORTS = (TRIAL_BALANCE, BALANCE_SHEET, PROFIT_AND_LOSS)


def month_end(day: date) -> date:
    """The last day of ``day``'s month."""
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def differences(warehouse: SqlWarehouse, tenant_id: str, as_at: date,
                ledger: bool = True) -> tuple[list[Difference], dict[str, int]]:
    """Every difference between the organisation's snapshots of ``as_at`` and the reporting
    layer, and how many snapshots of each report were compared. ``ledger=False`` (no
    journals synced) leaves out the reports built from the journals."""
    from xero_sync.warehouse.reporting import run_report

    found: list[Difference] = []
    compared: dict[str, int] = {}
    for report_name, snapshots in _by_report(stored_lines(warehouse, tenant_id, as_at)).items():
        if report_name in LEDGER_REPORTS and not ledger:
            continue
        for lines in snapshots.values():
            compared[report_name] = compared.get(report_name, 0) + 1
            first = lines[0]
            if report_name == TRIAL_BALANCE:
                found += compare_trial_balance(
                    lines, run_report(warehouse, "trial_balance", tenant_id, as_at), as_at)
            elif report_name == BALANCE_SHEET:  # Xero's is at the end of the date's month
                found += compare_balance_sheet(
                    lines, run_report(warehouse, "balance_sheet", tenant_id, month_end(as_at)),
                    as_at)
            elif report_name == PROFIT_AND_LOSS and first.from_date:
                start = date.fromisoformat(first.from_date)
                found += compare_profit_and_loss(
                    lines, run_report(warehouse, "profit_and_loss", tenant_id, start, as_at),
                    as_at)
            elif report_name in AGED_REPORTS:
                name = ("aged_receivables" if report_name == AGED_RECEIVABLES
                        else "aged_payables")
                mine = [r for r in run_report(warehouse, name, tenant_id, as_at)
                        if str(r["contact_id"]).lower() == first.contact_id]
                found += compare_aged(report_name, lines, mine, as_at)
        warehouse.connection.commit()  # end the read transaction the reports opened
    return found, compared

