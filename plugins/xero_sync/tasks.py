"""What the DAGs' tasks do, kept out of the DAG file so parsing stays cheap.

Each function takes what Airflow hands a task (params, the DAG run's type and interval) and
turns it into a sync request: a manual ``full_refresh``, a ``modified_since`` bound, a
backfill's interval start, or a scheduled run that is due for its full reconciliation.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from xero_sync.errors import ConfigurationError
from xero_sync.hooks.xero import XeroHook
from xero_sync.mapping import ObjectMapping
from xero_sync.sync import SyncRequest, run_sync
from xero_sync.warehouse.factory import open_warehouse

log = logging.getLogger(__name__)


def resolve_tenants(requested: list[str] | None) -> list[str]:
    """The organisations this run syncs (all connected ones unless narrowed)."""
    tenants = XeroHook().tenant_ids(requested or None)
    log.info("syncing %d organisation(s): %s", len(tenants), ", ".join(tenants))
    return tenants


def sync_tenant(mapping: ObjectMapping, tenant_id: str, context: dict[str, Any]) -> dict[str, Any]:
    """Sync one object for one organisation; returns counts (never tokens or records)."""
    request = build_request(mapping, tenant_id, context)
    hook = XeroHook()
    warehouse = open_warehouse(hook.warehouse_conn_id)
    try:
        warehouse.ensure_tables([mapping])
        outcome = run_sync(hook, warehouse, request, hook.client.counter)
    finally:
        warehouse.close()
    counts = outcome.counts
    return {"tenant_id": tenant_id, "pages": outcome.pages, "calls": outcome.calls,
            "inserted": counts.inserted, "updated": counts.updated, "deleted": counts.deleted,
            "unchanged": counts.unchanged, "quarantined": counts.quarantined}


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
    """The ``modified_since`` param as an aware UTC datetime (naive means UTC)."""
    if value in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ConfigurationError(
            f"param modified_since is {value!r}; expected an ISO-8601 time such as "
            "2026-01-31T00:00:00Z, or leave it empty") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def reconcile_due(mapping: ObjectMapping, start: datetime | None, end: datetime | None) -> bool:
    """Whether the mapping's full-reconciliation schedule fires within this run's interval."""
    if not mapping.reconcile_schedule or start is None or end is None:
        return False
    from croniter import croniter

    upcoming = croniter(mapping.reconcile_schedule, start).get_next(datetime)
    return bool(upcoming <= end)
