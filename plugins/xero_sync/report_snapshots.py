"""The ``xero__reports`` DAG's work: snapshot Xero's own reports, then compare them with the
reporting layer (``warehouse/snapshots.py`` keeps them; README "Xero's own numbers").

For each organisation and each chosen date the DAG reads, through the project's hook (the
same tokens, rate limiter and retries as every sync), Xero's trial balance and balance sheet
as at the date, its P&L for the date's month (from the month's first day to the date) and the
aged receivables and payables of each contact with something due at the date. Each report is
stored in one transaction, replacing an earlier snapshot of the same report, period and
contact. It needs only the reports scope: no Journals (Advanced tier), no documents.

The dates (param ``dates``): by default the last ``month_ends`` month ends before the run's
day and the run's day itself; or any list of ISO dates.

Xero's aged reports are per contact (``contactId`` is required), so they cost a call per
contact: the contacts asked for are those the layer shows something due for at the date, at
most ``aged_contacts`` of each kind (the first by name; a warning says how many were left out).

The check task then compares, per organisation and date, every snapshot with the layer's
report (``snapshots.differences``), logs each difference and fails when there is any. Where no
journals are synced (an app without Xero's Journals scope) the ledger reports are left out of
the comparison with a warning; the aged reports are still compared.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from xero_sync.batches import Organisation, run_batch, threads_per_task
from xero_sync.errors import ConfigurationError, XeroSyncError
from xero_sync.hooks.xero import XeroHook
from xero_sync.progress import organisation_named
from xero_sync.warehouse.factory import open_warehouse
from xero_sync.warehouse.reporting import ensure_layer, run_report
from xero_sync.warehouse.snapshots import (
    AGED_PAYABLES,
    AGED_RECEIVABLES,
    AGED_REPORTS,
    BALANCE_SHEET,
    PROFIT_AND_LOSS,
    SNAPSHOT_REPORTS,
    TRIAL_BALANCE,
    Difference,
    differences,
    ensure_snapshot_tables,
    parse_report,
    store_snapshot,
)

log = logging.getLogger(__name__)
DEFAULT_MONTH_ENDS = 1
DEFAULT_AGED_CONTACTS = 50
MAX_DATES = 24


class ReportDifferences(XeroSyncError):
    """Xero's reports and the reporting layer disagree: retrying the check cannot change that
    (sync the objects again, then run the check)."""

    retryable = False


def month_end_before(day: date) -> date:
    """The last day of the month before ``day``'s."""
    return day.replace(day=1) - timedelta(days=1)


def snapshot_dates(params: dict[str, Any], today: date) -> list[date]:
    """The dates of this run: ``dates`` when given, else the last ``month_ends`` month ends
    before ``today`` and ``today``; oldest first, no repeats."""
    given = params.get("dates")
    if given:
        try:
            chosen = [date.fromisoformat(str(value)[:10]) for value in given]
        except ValueError:
            raise ConfigurationError(
                f"param dates is {given!r}; expected ISO dates such as 2026-03-31") from None
    else:
        count = int(params.get("month_ends", DEFAULT_MONTH_ENDS) or 0)
        chosen, end = [today], today
        for _ in range(max(count, 0)):
            end = month_end_before(end)
            chosen.append(end)
    unique = sorted(set(chosen))
    if len(unique) > MAX_DATES:
        raise ConfigurationError(f"param dates names {len(unique)} dates; at most {MAX_DATES} "
                                 "a run (each costs several calls per organisation)")
    return unique


def requests_for(as_at: date, aged_contacts: dict[str, list[str]],
                 reports: tuple[str, ...] = SNAPSHOT_REPORTS
                 ) -> list[tuple[str, dict[str, str], date | None, str | None]]:
    """(report, Reports API params, period start, contact) of every call for one date."""
    calls: list[tuple[str, dict[str, str], date | None, str | None]] = []
    day = as_at.isoformat()
    if TRIAL_BALANCE in reports:
        calls.append((TRIAL_BALANCE, {"date": day}, None, None))
    if PROFIT_AND_LOSS in reports:
        start = as_at.replace(day=1)
        calls.append((PROFIT_AND_LOSS, {"fromDate": start.isoformat(), "toDate": day},
                      start, None))
    if BALANCE_SHEET in reports:
        calls.append((BALANCE_SHEET, {"date": day, "periods": "1", "timeframe": "MONTH"},
                      None, None))
    for name in AGED_REPORTS:
        if name in reports:
            calls += [(name, {"contactId": contact, "date": day}, None, contact)
                      for contact in aged_contacts.get(name, [])]
    return calls


def aged_contacts(warehouse: Any, tenant_id: str, as_at: date,
                  limit: int) -> dict[str, list[str]]:
    """Per aged report, the contacts the layer shows something due for at ``as_at``."""
    chosen = {}
    for name, layer in ((AGED_RECEIVABLES, "aged_receivables"),
                        (AGED_PAYABLES, "aged_payables")):
        rows = run_report(warehouse, layer, tenant_id, as_at)
        named = sorted({(str(r["contact_name"] or ""), str(r["contact_id"]).lower())
                        for r in rows if r["contact_id"] is not None})
        if len(named) > limit:
            log.warning("%s at %s: %d contacts have something due; snapshotting the first %d "
                        "(raise the aged_contacts param for more)", name, as_at, len(named),
                        limit)
        chosen[name] = [contact for _, contact in named[:limit]]
    warehouse.connection.commit()
    return chosen


def snapshot_organisations(organisations: list[dict[str, Any]],
                           context: dict[str, Any]) -> list[dict[str, Any]]:
    """Snapshot the reports of a batch of organisations, a few at a time."""
    chosen = [Organisation.from_xcom(value) for value in organisations]
    params = context.get("params") or {}
    today = _run_day(context)
    dates = snapshot_dates(params, today)
    hook = XeroHook()
    hook.settings, hook.warehouse  # noqa: B018 - read once here, shared by every thread
    connection = hook.get_connection(hook.warehouse_conn_id)
    warehouse = open_warehouse(connection)
    try:
        warehouse.ensure_tables([])  # the control tables; the layer makes its sources
        ensure_layer(warehouse)
        ensure_snapshot_tables(warehouse)
    finally:
        warehouse.close()
    run_id = str(getattr(context.get("dag_run"), "run_id", "") or "") or None
    return run_batch(chosen, lambda o: snapshot_tenant(
        hook.fork(), connection, o, dates, params, run_id), threads_per_task())


def snapshot_tenant(hook: XeroHook, connection: Any, organisation: Organisation,
                    dates: list[date], params: dict[str, Any],
                    run_id: str | None) -> dict[str, Any]:
    """Every report of every date for one organisation, read through the hook's client
    (tokens, rate limits and retries shared with every sync); returns what was stored."""
    tenant = organisation.tenant_id

    def fetch(name: str, api_params: dict[str, str]) -> dict[str, Any]:
        body = hook.client.get(f"Reports/{name}", tenant, api_params, collection="Reports").body
        return dict(body)

    with organisation_named(tenant, organisation.name):
        warehouse = open_warehouse(connection)
        try:
            stored, lines = take_snapshots(warehouse, tenant, dates, fetch, params, run_id)
        finally:
            warehouse.close()
    log.info("%s: %d Xero report(s) snapshotted (%d lines) for %s",
             organisation.describe(), stored, lines, ", ".join(d.isoformat() for d in dates))
    return {"tenant_id": tenant, "tenant_name": organisation.name, "snapshots": stored,
            "lines": lines, "calls": hook.client.counter.calls}


def take_snapshots(warehouse: Any, tenant_id: str, dates: list[date],
                   fetch: Callable[[str, dict[str, str]], dict[str, Any]],
                   params: dict[str, Any] | None = None,
                   run_id: str | None = None) -> tuple[int, int]:
    """Read (``fetch(report, api_params)``) and store every chosen report of every date, each
    in its own transaction; returns (snapshots, lines) stored."""
    params = params or {}
    limit = int(params.get("aged_contacts", DEFAULT_AGED_CONTACTS) or 0)
    reports = tuple(params.get("reports") or SNAPSHOT_REPORTS)
    unknown = sorted(set(reports) - set(SNAPSHOT_REPORTS))
    if unknown:
        raise ConfigurationError(f"param reports names {', '.join(unknown)}; expected some of "
                                 f"{', '.join(SNAPSHOT_REPORTS)}")
    stored = lines = 0
    for as_at in dates:
        contacts = (aged_contacts(warehouse, tenant_id, as_at, limit)
                    if set(reports) & set(AGED_REPORTS) else {})
        for name, api_params, start, contact in requests_for(as_at, contacts, reports):
            snapshot = parse_report(fetch(name, api_params), tenant_id, name, as_at, start,
                                    contact)
            lines += store_snapshot(warehouse, snapshot,
                                    datetime.now(UTC).replace(tzinfo=None), run_id)
            stored += 1
    return stored, lines


def check_organisations(batches: list[list[dict[str, Any]]],
                        context: dict[str, Any]) -> dict[str, Any]:
    """Compare every organisation's snapshots of the run's dates with the layer; log each
    difference and fail when there is any."""
    params = context.get("params") or {}
    dates = snapshot_dates(params, _run_day(context))
    hook = XeroHook()
    warehouse = open_warehouse(hook.get_connection(hook.warehouse_conn_id))
    found: list[tuple[Organisation, Difference]] = []
    compared = 0
    try:
        ensure_snapshot_tables(warehouse)
        ledgers = _ledger_status(warehouse)
        for organisation in (Organisation.from_xcom(o) for batch in batches for o in batch):
            tenant = organisation.tenant_id
            ledger = ledgers.get(tenant.lower(), False)
            if not ledger:
                log.warning("%s: no journals synced, so the trial balance, P&L and balance "
                            "sheet snapshots are kept but not compared (the layer needs Xero's "
                            "Journals, scope accounting.journals.read); the aged reports are "
                            "compared",
                            organisation.describe())
            for as_at in dates:
                differ, counts = differences(warehouse, tenant, as_at, ledger=ledger)
                compared += sum(counts.values())
                found += [(organisation, d) for d in differ]
                log.info("%s at %s: %d snapshot(s) compared (%s), %d difference(s)",
                         organisation.describe(), as_at, sum(counts.values()),
                         ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none",
                         len(differ))
    finally:
        warehouse.close()
    for organisation, difference in found:
        log.error("DIFFERENCE %s: %s", organisation.describe(), difference)
    if found:
        raise ReportDifferences(
            f"{len(found)} difference(s) between Xero's reports and the reporting layer (each "
            "logged above as DIFFERENCE)",
            fix="Run the objects' DAGs (xero__journals above all) so the warehouse catches up "
                "with Xero, then clear this task; a difference that stays is a bug to report.")
    return {"snapshots_compared": compared, "differences": 0}


def _ledger_status(warehouse: Any) -> dict[str, bool]:
    """Per organisation: whether any journal is synced (the layer's ``reporting_status``)."""
    cursor = warehouse.connection.cursor()
    try:
        cursor.execute(f"SELECT tenant_id, journals FROM {warehouse.table('reporting_status')}")  # noqa: S608
        rows = cursor.fetchall()
    finally:
        cursor.close()
    warehouse.connection.commit()
    return {str(tenant).lower(): int(count or 0) > 0 for tenant, count in rows}


def _run_day(context: dict[str, Any]) -> date:
    """The run's day (UTC): the end of its data interval, or now."""
    moment = context.get("data_interval_end") or context.get("logical_date")
    if moment is None:
        return datetime.now(UTC).date()
    if isinstance(moment, datetime) and moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.date() if isinstance(moment, datetime) else date.fromisoformat(str(moment)[:10])
