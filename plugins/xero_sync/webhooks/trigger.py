"""The asset watcher's trigger: fires when webhook events of a category wait in the warehouse.

Airflow's triggerer runs one ``PendingWebhookEvents`` per object with webhooks (the
``AssetWatcher`` of its DAG's webhook asset, ``dag_factory``). It polls ``_webhook_events``
every ``poll_seconds`` and yields a ``TriggerEvent`` when events arrived that it has not fired
for yet; Airflow turns that into an asset event and the asset into a DAG run.

Coalescing: after firing, the trigger waits ``min_gap_seconds`` before it fires again, and
fires once for everything that arrived meanwhile. Airflow then folds the asset events queued
before it creates the run into that one run, and the run reads every pending event of its
organisation, however many triggers led to it. So a burst of changes is one run, and the
first change of a quiet period is not delayed.

Nothing is lost when the trigger (or the whole of Airflow) was down: it starts by firing for
any event still pending, and events stay pending until a run stores their records. It never
raises: a warehouse that does not answer is logged and asked again at the next poll.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from airflow.triggers.base import BaseEventTrigger, TriggerEvent

CLASSPATH = "xero_sync.webhooks.trigger.PendingWebhookEvents"


class PendingWebhookEvents(BaseEventTrigger):
    """Yields an event whenever new webhook events of ``category`` are pending."""

    def __init__(self, category: str, warehouse_conn_id: str = "xero_warehouse",
                 schema: str = "xero", poll_seconds: float = 2.0,
                 min_gap_seconds: float = 10.0) -> None:
        super().__init__()
        self.category = category
        self.warehouse_conn_id = warehouse_conn_id
        self.schema = schema
        self.poll_seconds = poll_seconds
        self.min_gap_seconds = min_gap_seconds
        self._warehouse: Any = None

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Classpath and arguments: what identifies this watcher's trigger."""
        return CLASSPATH, {"category": self.category,
                           "warehouse_conn_id": self.warehouse_conn_id, "schema": self.schema,
                           "poll_seconds": self.poll_seconds,
                           "min_gap_seconds": self.min_gap_seconds}

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Poll for ever; fire for events newer than the last ones fired for."""
        fired_up_to: datetime | None = None
        last_fired = float("-inf")
        try:
            while True:
                summary = await self._summary()
                fresh = summary is not None and summary.count > 0 and (
                    fired_up_to is None or (summary.newest_received is not None
                                            and summary.newest_received > fired_up_to))
                if fresh and summary is not None:
                    wait = last_fired + self.min_gap_seconds - time.monotonic()
                    if wait > 0:  # a run was just asked for: gather what else arrives
                        await asyncio.sleep(wait)
                        summary = await self._summary() or summary
                    self.log.info("%s: %d webhook event(s) pending (oldest received %s UTC): "
                                  "asking for a run", self.category, summary.count,
                                  summary.oldest_received)
                    yield TriggerEvent({
                        "category": self.category, "pending": summary.count,
                        "newest_received": _iso(summary.newest_received),
                        "oldest_received": _iso(summary.oldest_received)})
                    fired_up_to = summary.newest_received
                    last_fired = time.monotonic()
                await asyncio.sleep(self.poll_seconds)
        finally:
            await asyncio.to_thread(self._close)

    async def _summary(self) -> Any:
        """The category's pending events, or None when the warehouse does not answer."""
        try:
            if self._warehouse is None:
                from airflow.sdk import BaseHook

                connection = await BaseHook.aget_connection(self.warehouse_conn_id)
                self._warehouse = await asyncio.to_thread(self._open, connection)
            return await asyncio.to_thread(self._read)
        except Exception as error:  # never fail the watcher: ask again at the next poll
            self.log.warning("%s: cannot read the pending webhook events (%s: %s); trying "
                             "again in %.0f s", self.category, type(error).__name__, error,
                             self.poll_seconds)
            await asyncio.to_thread(self._close)
            return None

    def _open(self, connection: Any) -> Any:
        from xero_sync.warehouse.dbapi import target_from_connection
        from xero_sync.warehouse.factory import warehouse_for

        warehouse = warehouse_for(target_from_connection(connection), self.schema)
        try:
            warehouse.ensure_tables([])  # the events table, before any sync or receiver ran
        except Exception:
            warehouse.close()
            raise
        return warehouse

    def _read(self) -> Any:
        from xero_sync.warehouse.events import WebhookEventStore

        return WebhookEventStore(self._warehouse).summary(self.category)

    def _close(self) -> None:
        if self._warehouse is not None:
            self._warehouse.close()
            self._warehouse = None


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="milliseconds")

