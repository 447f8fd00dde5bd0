"""A webhook run: read only the records Xero's events named, by id, and land them as every
run does.

Under the same run lock as scheduled runs (``sync.run_locked``), for one object and one
organisation: the pending events of the object's category are read from ``_webhook_events``,
their records asked for by id, ``extract.IDS_PER_CALL`` (50) a call, and each answer goes
through the same ``transform`` and ``Warehouse.load`` as any page: newer-wins, quarantine,
children replaced. Each load marks the events of its records processed in its own
transaction, so an event is processed exactly when its record's row is stored.

The watermark is not moved. It says "every change up to here has been read", which a read by
id cannot say: changes Xero sent no event for (a lost event, a silent edit) may lie behind it.
The scheduled incremental run keeps reading from where it was and still finds them.

Events that arrive while the run reads stay pending (only the events read at its start are
marked) and bring the next run. Past ``MAX_RECORDS_BY_ID`` changed records (Airflow was down
for hours) reading by id costs more calls than an incremental read (1,000 records a call),
so the run reads every change since the watermark instead, which settles the events.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Protocol

from xero_sync.client import CallCounter
from xero_sync.errors import ConfigurationError
from xero_sync.extract import IDS_PER_CALL, ExtractSpec, Page
from xero_sync.progress import subject
from xero_sync.sync import SyncRequest, run_locked
from xero_sync.transform import transform
from xero_sync.warehouse.base import LoadCounts, RunContext, SyncRun
from xero_sync.warehouse.events import WebhookEventStore
from xero_sync.warehouse.sqlbase import SqlWarehouse

log = logging.getLogger(__name__)

MAX_RECORDS_BY_ID = 500  # 10 calls; beyond, an incremental read is cheaper


class IdSource(Protocol):
    """Where records by id come from: the XeroHook in production."""

    def extract_ids(self, spec: ExtractSpec, tenant_id: str, ids: list[str]) -> Iterator[Page]:
        """The records with these ids, one page per call."""
        ...


def changed_records(warehouse: SqlWarehouse, request: SyncRequest) -> int:
    """How many distinct records the pending events of the request's object name."""
    pending = WebhookEventStore(warehouse).pending(request.tenant_id, _category(request))
    return len({event.resource_id for event in pending})


def run_changed(source: IdSource, warehouse: SqlWarehouse, request: SyncRequest,
                calls: CallCounter | None = None) -> SyncRun:
    """Read the records of the pending events by id and store them, marking their events
    processed with them; recorded in ``_sync_runs`` like any run."""

    def work(counts: LoadCounts) -> tuple[int, int]:
        return _read_changed(source, warehouse, request, counts), warehouse.quarantine_waiting(
            request.mapping, request.tenant_id)

    return run_locked(warehouse, request, calls, work)


def _read_changed(source: IdSource, warehouse: SqlWarehouse, request: SyncRequest,
                  counts: LoadCounts) -> int:
    """Under the run lock: one call and one load per ``IDS_PER_CALL`` records; returns the
    calls made."""
    mapping, tenant = request.mapping, request.tenant_id
    pending = WebhookEventStore(warehouse).pending(tenant, _category(request))
    keys_of: dict[str, list[str]] = {}
    for event in pending:
        keys_of.setdefault(event.resource_id, []).append(event.event_key)
    ids = list(keys_of)
    if not ids:
        log.info("%s: no webhook events pending (a run before this one read them)",
                 subject(mapping.name, tenant))
        return 0
    oldest = min(event.received_at for event in pending)
    log.info("%s: %d webhook event(s) pending since %s UTC name %d record(s): "
             "reading them by id, %d a call", subject(mapping.name, tenant), len(pending), oldest,
             len(ids), IDS_PER_CALL)
    context = RunContext(request.run_id, _now())
    spec = mapping.extract_spec()
    calls = 0
    for start in range(0, len(ids), IDS_PER_CALL):
        chunk = ids[start:start + IDS_PER_CALL]
        records = [record for page in source.extract_ids(spec, tenant, chunk)
                   for record in page.records]
        calls += 1
        done = [key for record_id in chunk for key in keys_of[record_id]]
        counts.add(warehouse.load(transform(mapping, tenant, records), context, None, done))
    return calls


def _category(request: SyncRequest) -> str:
    if not request.mapping.webhooks:
        raise ConfigurationError(
            f"{request.mapping.path or request.mapping.name}: a webhook run of an object "
            "without webhooks; add `webhooks: <CATEGORY>` to its mapping or run it on its "
            "schedule")
    return request.mapping.webhooks


def _now() -> datetime:
    """Naive UTC, as the warehouse stores times."""
    return datetime.now(UTC).replace(tzinfo=None)
