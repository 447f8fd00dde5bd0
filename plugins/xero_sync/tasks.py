"""What the DAGs' tasks do, kept out of the DAG file so parsing stays cheap.

Each function takes what Airflow hands a task (params, the DAG run's type and interval) and
turns it into a sync request: a manual ``full_refresh``, a ``modified_since`` bound, a
backfill's interval start, or a scheduled run that is due for its full reconciliation.

A run of an object with webhooks that its webhook asset triggered (or a manual run with
``webhook_events``) is a webhook run: only the organisations with pending events, and only
their changed records, read by id (``xero_sync.webhooks.changed``). Every run of such an
object ends by logging, per organisation, its events received, processed and pending.

Organisations travel in batches (``xero_sync.batches``): the first task lists them, named,
in the DAG's own order and cut into batches; each mapped sync task syncs its batch a few at a
time, and its retry only the organisations that have no success recorded for the run.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from xero_sync.batches import (
    Organisation,
    batches,
    organisations_per_task,
    run_batch,
    spread,
    threads_per_task,
)
from xero_sync.client import CallCounter
from xero_sync.dates import MAX_CLOCK_SKEW
from xero_sync.errors import ConfigurationError
from xero_sync.hooks.xero import XeroHook
from xero_sync.mapping import ObjectMapping
from xero_sync.progress import fix_first, organisation_named, subject
from xero_sync.sync import SyncRequest, run_sync
from xero_sync.warehouse.base import SyncRun
from xero_sync.warehouse.events import WebhookEventStore
from xero_sync.warehouse.factory import open_warehouse
from xero_sync.warehouse.reporting import ensure_layer
from xero_sync.warehouse.sqlbase import SqlWarehouse
from xero_sync.webhooks.changed import MAX_RECORDS_BY_ID, changed_records, run_changed

log = logging.getLogger(__name__)
EVENT_RETENTION = timedelta(days=30)  # processed webhook events are kept this long


def resolve_tenants(requested: list[str] | None) -> list[str]:
    """The organisations this run syncs (all connected ones unless narrowed)."""
    return [o.tenant_id for o in resolve_organisations(requested)]


def resolve_organisations(requested: list[str] | None) -> list[Organisation]:
    """The organisations this run syncs, with their names (all connected ones unless
    narrowed)."""
    with fix_first(log, "finding the organisations to sync"):
        named = XeroHook().organisations(requested or None)
    organisations = [Organisation(tenant, name) for tenant, name in named.items()]
    log.info("syncing %d organisation(s): %s", len(organisations),
             ", ".join(o.describe() for o in organisations))
    return organisations


def resolve_run_organisations(mapping: ObjectMapping,
                              context: dict[str, Any]) -> list[Organisation]:
    """The organisations of this run: in a webhook run only those with pending events."""
    organisations = resolve_organisations((context.get("params") or {}).get("tenant_ids"))
    if not is_webhook_run(mapping, context):
        return organisations
    hook = XeroHook()
    warehouse = open_warehouse(hook.warehouse_conn_id)
    try:
        warehouse.ensure_tables([])
        waiting = {row.tenant_id for row in WebhookEventStore(warehouse).status()
                   if row.category == mapping.webhooks and row.pending}
    finally:
        warehouse.close()
    chosen = [o for o in organisations if o.tenant_id in waiting]
    log.info("webhook run: %d of %d organisation(s) have pending %s events: %s", len(chosen),
             len(organisations), mapping.webhooks,
             ", ".join(o.describe() for o in chosen) or "none")
    return chosen


def resolve_run_batches(mapping: ObjectMapping, context: dict[str, Any],
                        dag_index: int = 0) -> list[list[dict[str, str]]]:
    """The run's organisations in this DAG's order (``batches.spread``), cut into the
    batches its mapped sync tasks take (``XERO_SYNC_ORGANISATIONS_PER_TASK``)."""
    ordered = spread(resolve_run_organisations(mapping, context), dag_index)
    chosen = batches(ordered, organisations_per_task())
    if chosen:
        log.info("%d organisation(s) in %d sync task(s) of %s", len(ordered), len(chosen),
                 "/".join(str(len(batch)) for batch in chosen))
    return [[o.to_xcom() for o in batch] for batch in chosen]


def sync_organisations(mapping: ObjectMapping, organisations: list[dict[str, Any]],
                       context: dict[str, Any]) -> list[dict[str, Any]]:
    """Sync one object for a batch of organisations, ``XERO_SYNC_THREADS_PER_TASK`` at a
    time; a retry skips those whose sync in this run is recorded as a success."""
    chosen = [Organisation.from_xcom(value) for value in organisations]
    hook = XeroHook()
    hook.settings, hook.warehouse  # noqa: B018 - read once here, shared by every thread
    connection = hook.get_connection(hook.warehouse_conn_id)  # once, not per organisation
    warehouse = open_warehouse(connection)
    try:
        warehouse.ensure_tables([mapping])
        ensure_layer(warehouse)  # the reporting layer is created with the tables
        done = (warehouse.succeeded_tenants(str(context["dag_run"].run_id), mapping.name)
                if _is_retry(context) else set())
    finally:
        warehouse.close()
    todo = [o for o in chosen if o.tenant_id not in done]
    if len(todo) < len(chosen):
        log.info("retry: %d of %d organisation(s) already synced in this run are not synced "
                 "again: %s", len(chosen) - len(todo), len(chosen),
                 ", ".join(o.describe() for o in chosen if o.tenant_id in done))
    return run_batch(todo, lambda o: _sync_named(  # run_batch logs a failure, fix first
        mapping, o.tenant_id, context, hook=hook.fork(), tenant_name=o.name,
        warehouse_connection=connection), threads_per_task())


def _is_retry(context: dict[str, Any]) -> bool:
    """Whether this is not the task's first try (a retry, or a cleared task)."""
    ti = context.get("ti") or context.get("task_instance")
    return int(getattr(ti, "try_number", 1) or 1) > 1


def sync_tenant(mapping: ObjectMapping, tenant_id: str, context: dict[str, Any], *,
                hook: XeroHook | None = None, tenant_name: str | None = None,
                warehouse_connection: Any = None) -> dict[str, Any]:
    """Sync one object for one organisation; returns counts (never tokens or records).

    Within a batch the task passes its hook's twin, the organisation's name and the warehouse
    connection it read (and whose tables it made) once for all of them. A failure is logged
    with what to do first, on its own line (``progress.fix_first``)."""
    with organisation_named(tenant_id, tenant_name), \
            fix_first(log, subject(mapping.name, tenant_id)):
        return _sync_tenant(mapping, tenant_id, context, hook=hook, tenant_name=tenant_name,
                            warehouse_connection=warehouse_connection)


def _sync_named(mapping: ObjectMapping, tenant_id: str, context: dict[str, Any], *,
                hook: XeroHook | None, tenant_name: str | None,
                warehouse_connection: Any) -> dict[str, Any]:
    """``_sync_tenant`` with the organisation's name in every line about it."""
    with organisation_named(tenant_id, tenant_name):
        return _sync_tenant(mapping, tenant_id, context, hook=hook, tenant_name=tenant_name,
                            warehouse_connection=warehouse_connection)


def _sync_tenant(mapping: ObjectMapping, tenant_id: str, context: dict[str, Any], *,
                 hook: XeroHook | None, tenant_name: str | None,
                 warehouse_connection: Any) -> dict[str, Any]:
    webhook_run = is_webhook_run(mapping, context)
    request = (SyncRequest(mapping, tenant_id, run_id=str(context["dag_run"].run_id))
               if webhook_run else build_request(mapping, tenant_id, context))
    request = replace(request, tenant_name=tenant_name)
    hook = hook or XeroHook()
    warehouse = open_warehouse(warehouse_connection or hook.warehouse_conn_id)
    try:
        if warehouse_connection is None:  # else the batch's task made them, once
            warehouse.ensure_tables([mapping])
            ensure_layer(warehouse)  # the reporting layer is created with the tables
        if webhook_run:
            outcome, mode = sync_changed(hook, warehouse, request, hook.client.counter)
        else:
            outcome, mode = run_sync(hook, warehouse, request, hook.client.counter), "schedule"
        if mapping.webhooks:
            report_webhooks(warehouse, mapping, tenant_id, prune=not webhook_run)
    finally:
        warehouse.close()
    counts = outcome.counts
    return {"tenant_id": tenant_id, "tenant_name": tenant_name or tenant_id,
            "pages": outcome.pages, "calls": outcome.calls,
            "inserted": counts.inserted, "updated": counts.updated, "deleted": counts.deleted,
            "unchanged": counts.unchanged, "quarantined": counts.quarantined, "mode": mode}


def is_webhook_run(mapping: ObjectMapping, context: dict[str, Any]) -> bool:
    """Whether this run reads only what webhook events named: its webhook asset triggered
    it, or a person asked with the ``webhook_events`` param."""
    if not mapping.webhooks:
        return False
    from airflow.sdk.api.datamodels._generated import DagRunType  # the SDK's own import

    run_type = getattr(context.get("dag_run"), "run_type", None)
    return bool(run_type == DagRunType.ASSET_TRIGGERED
                or (context.get("params") or {}).get("webhook_events"))


def sync_changed(hook: XeroHook, warehouse: SqlWarehouse, request: SyncRequest,
                 calls: CallCounter) -> tuple[SyncRun, str]:
    """A webhook run for one organisation: the changed records by id, or, when so many
    changed that reading by id would cost more calls, every change since the watermark."""
    changed = changed_records(warehouse, request)
    if changed <= MAX_RECORDS_BY_ID:
        return run_changed(hook, warehouse, request, calls), "webhook"
    log.info("%s: %d records changed, more than the %d worth reading by id: "
             "reading every change since the watermark instead",
             subject(request.mapping.name, request.tenant_id), changed, MAX_RECORDS_BY_ID)
    return run_sync(hook, warehouse, request, calls), "webhook, incremental"


def report_webhooks(warehouse: SqlWarehouse, mapping: ObjectMapping, tenant_id: str,
                    prune: bool) -> None:
    """Log the organisation's webhook events of the object's category: received, processed,
    pending and the oldest pending one's age (``_webhook_status``); a scheduled run also
    deletes processed events older than ``EVENT_RETENTION``. Never fails the run."""
    store = WebhookEventStore(warehouse)
    try:
        if prune:
            store.prune(EVENT_RETENTION, datetime.now(UTC).replace(tzinfo=None))
        rows = [row for row in store.status()
                if row.tenant_id == tenant_id and row.category == mapping.webhooks]
    except Exception as error:
        log.warning("%s: could not read the webhook status (%s: %s)",
                    subject(mapping.name, tenant_id), type(error).__name__, error)
        return
    row = rows[0] if rows else None
    if row is None:
        log.info("%s: no webhook events (%s) received yet (is the receiver subscribed in "
                 "Xero's developer portal?)", subject(mapping.name, tenant_id), mapping.webhooks)
        return
    age = ("" if row.oldest_pending_seconds is None
           else f", oldest pending {row.oldest_pending_seconds} s")
    log.info("%s: webhook events (%s): %d received, %d processed, %d pending%s, last "
             "received %s UTC", subject(mapping.name, tenant_id), mapping.webhooks,
             row.received, row.processed, row.pending, age, row.last_received_at)


def build_request(mapping: ObjectMapping, tenant_id: str,
                  context: dict[str, Any]) -> SyncRequest:
    """Read the run's params and type into a sync request."""
    params = context.get("params") or {}
    dag_run = context["dag_run"]
    start, end = context.get("data_interval_start"), context.get("data_interval_end")
    since = parse_modified_since(params.get("modified_since"))
    if since is None and is_backfill(dag_run):
        since = start  # a backfill re-reads its own interval; the watermark never moves back
    full = bool(params.get("full_refresh")) or reconcile_due(mapping, start, end)
    return SyncRequest(mapping, tenant_id, run_id=str(dag_run.run_id), full_refresh=full,
                       modified_since=None if full else since)


def is_backfill(dag_run: Any) -> bool:
    """Whether the run belongs to a backfill, by its run type (an enum, not its text).

    The Task SDK hands tasks ``DagRunType.BACKFILL``, whose ``str()`` is the member's name
    ("DagRunType.BACKFILL"), not its value: only a comparison with the enum is reliable.
    """
    from airflow.sdk.api.datamodels._generated import DagRunType  # the SDK's own import

    return bool(getattr(dag_run, "run_type", None) == DagRunType.BACKFILL)


def parse_modified_since(value: Any) -> datetime | None:
    """The ``modified_since`` param as an aware UTC datetime (naive means UTC).

    Refused, as a configuration error (retries cannot help): text that is not a time, a time
    UTC cannot hold (0001-01-01T00:00:00+14:00 is in year 0 there), and a time in the future
    beyond the clock skew allowed, from which a run would read nothing yet succeed."""
    if value in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise _modified_since_refused(value, "not an ISO-8601 time") from None
    try:
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError:
        raise _modified_since_refused(value, "in UTC it falls outside the years 1 to 9999"
                                      ) from None
    now = datetime.now(UTC)
    if moment > now + MAX_CLOCK_SKEW:
        raise _modified_since_refused(
            value, f"in the future (it is now {now:%Y-%m-%dT%H:%M:%S}Z), so the run would read "
            "nothing")
    return moment


def _modified_since_refused(value: Any, problem: str) -> ConfigurationError:
    """The refusal of a ``modified_since`` param: a new run with it corrected is the fix (the
    param is the run's own, so clearing this task would only refuse it again)."""
    return ConfigurationError(
        f"param modified_since is {value!r}: {problem}; expected an ISO-8601 time in the past "
        "such as 2026-01-31T00:00:00Z, or leave it empty",
        fix="Trigger a new run with modified_since corrected or left empty; retrying or "
            "clearing this run's tasks cannot help.")


def reconcile_due(mapping: ObjectMapping, start: datetime | None, end: datetime | None) -> bool:
    """Whether the mapping's full-reconciliation schedule fires within this run's interval."""
    if not mapping.reconcile_schedule or start is None or end is None:
        return False
    from croniter import croniter

    upcoming = croniter(mapping.reconcile_schedule, start).get_next(datetime)
    return bool(upcoming <= end)
