"""A failure at a random point of a multi-batch load never leaves half a batch, and a rerun
from the stored watermark makes the warehouse equal to the source.

Each trial syncs two phases of an organisation (the first load of ~60 invoices, then a change
set: edits, voids, removed and re-described line items, new invoices) in pages of 15 through a
connection that raises at its N-th operation (any execute, executemany, COPY or COMMIT; a
COMMIT fails either before or after committing). N is drawn from the whole run. After the
failure, a clean reader checks that the warehouse is exactly as it was before the failing call
(or, for a failure after COMMIT, that the call's batch is whole); then the failed phase is
synced again from the stored watermark, the remaining phases follow, and the tables must equal
what ``transform`` makes of the final source: same keys, no duplicates, same values, children
and grandchildren too, and the watermark at the newest change. Every trial uses its own
organisation (tenant id) in one warehouse, so the trials cost no DDL.
``XERO_SYNC_FAILURE_TRIALS`` changes the number of trials (default 60 per database).
"""

from __future__ import annotations

import os
import random
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from tests.warehouse.support import (
    Budget,
    FailingConnection,
    InjectedFailure,
    Scratch,
    expected_rows,
    new_version,
    run,
    state_after,
    updated_at,
    warehouse_data,
    with_new_ids,
)
from xero_sync.mapping import ObjectMapping
from xero_sync.transform import Batch, transform
from xero_sync.warehouse.sqlbase import SqlWarehouse
from xero_sync.warehouse.tables import mapping_tables

Record = dict[str, Any]
TRIALS = int(os.environ.get("XERO_SYNC_FAILURE_TRIALS", "60"))  # per database
# The trials of one database run as CHUNKS tests (every CHUNKS-th trial of one seeded
# sequence each), which xdist spreads over its workers (tests/conftest.py, ``spread``).
CHUNKS = 4
PAGE = 15


def phases_of(invoices: list[Record]) -> list[list[Record]]:
    """What Xero holds at the first sync, and at the second (latest copy of each invoice)."""
    first = invoices[:60]
    latest = max(updated_at(r) for r in first)
    changed: dict[str, Record] = {}
    for index, record in enumerate(first[::3]):
        # Edited after the first sync: Xero stamps an edit with the time it is made.
        seconds = int((latest - updated_at(record)).total_seconds()) + 3600 + index
        items = record.get("LineItems") or []
        if index % 4 == 0:
            changed[record["InvoiceID"]] = new_version(record, seconds, Status="VOIDED")
        elif index % 4 == 1 and items:
            changed[record["InvoiceID"]] = new_version(record, seconds, LineItems=items[:-1])
        elif index % 4 == 2 and items:
            edited = [{**items[0], "Description": f"edited {index}", "Tracking": []}, *items[1:]]
            changed[record["InvoiceID"]] = new_version(record, seconds, LineItems=edited)
        else:
            changed[record["InvoiceID"]] = new_version(record, seconds, Reference=f"v2 {index}")
    added = [new_version(with_new_ids(record),
                         int((latest - updated_at(record)).total_seconds()) + 7200)
             for record in first[:4]]
    second = [changed.get(r["InvoiceID"], r) for r in first] + added
    return [first, second]


def sync(scratch: Scratch, mapping: ObjectMapping, tenant: str, source: list[Record],
         run_id: str, wrap: Callable[[Any], Any] | None = None,
         before: Callable[[], None] = lambda: None, over: Any | None = None) -> None:
    """What a sync task does: read the watermark, page the changes since, load each page
    (on a new connection, or ``over`` the one the trials keep)."""
    before()
    warehouse = scratch.open(wrap, over=over)
    try:
        since = warehouse.read_state(mapping, tenant).watermark_ts
        todo = sorted((r for r in source if since is None or updated_at(r) >= since),
                      key=lambda r: (updated_at(r), r["InvoiceID"]))
        for start in range(0, len(todo), PAGE):
            page = todo[start:start + PAGE]
            before()
            warehouse.load(cached_transform(mapping, tenant, page), run(run_id),
                           state_after(mapping, tenant, page))
    finally:
        warehouse.close()


def digest(reader: SqlWarehouse, mapping: ObjectMapping, tenant: str) -> Any:
    """Everything a tenant has in the warehouse, as committed (rows as multisets)."""
    tables = [spec.name for spec in mapping_tables(mapping)] + ["_sync_state", "_quarantine"]
    cursor = reader.connection.cursor()
    found = {}
    for table in tables:
        cursor.execute(f"SELECT * FROM {reader.table(table)} "  # noqa: S608 - test identifiers
                       f"WHERE {reader.sql.quote('tenant_id')} = {reader.sql.marker}", (tenant,))
        found[table] = Counter(cursor.fetchall())
    reader.connection.commit()
    return found


def cached_transform(mapping: ObjectMapping, tenant: str, page: list[Record]) -> Batch:
    """``transform``, done once per page: the trials load the same pages for other tenants."""
    key = tuple((r["InvoiceID"], r["UpdatedDateUTC"]) for r in page)
    if key not in _BATCHES:
        _BATCHES[key] = transform(mapping, "00000000-0000-4000-8000-000000000000", page)
    batch = _BATCHES[key]
    return Batch(mapping, tenant, batch.parent.assign(tenant_id=tenant),
                 {name: frame.assign(tenant_id=tenant) for name, frame in batch.children.items()})


_BATCHES: dict[tuple[tuple[str, str], ...], Batch] = {}
_EXPECTED: dict[tuple[tuple[str, str], ...], dict[str, list[tuple[Any, ...]]]] = {}


def expected_for(mapping: ObjectMapping, tenant: str,
                 records: list[Record]) -> dict[str, list[tuple[Any, ...]]]:
    """``expected_rows`` computed once per source (tenant_id is every table's first column)."""
    key = tuple((r["InvoiceID"], r["UpdatedDateUTC"]) for r in records)
    if key not in _EXPECTED:
        _EXPECTED[key] = expected_rows(mapping, tenant, records)
    cached = _EXPECTED[key]
    return {table: sorted(((tenant, *row[1:]) for row in rows), key=repr)
            for table, rows in cached.items()}


def trial(scratch: Scratch, reader: SqlWarehouse, mapping: ObjectMapping,
          phases: list[list[Record]], budget: Budget, tenant: str,
          over: Any | None = None) -> None:
    """One sync of every phase with a fault; the failed phase is synced again. ``over``: one
    connection for every sync. The fault is an error raised at a database operation, which
    the warehouse must roll back itself, so a kept connection carries nothing from one sync
    to the next, and it spares Babelfish a new server process per sync (its first
    statements parse slowly: 15 trials took 240 s on new connections, 19 s on one)."""
    snapshot: list[Any] = [None]

    def before() -> None:
        if budget.fail_at is not None and not budget.fired:
            snapshot[0] = digest(reader, mapping, tenant)

    for index, source in enumerate(phases):
        try:
            sync(scratch, mapping, tenant, source, f"run-{index}",
                 lambda connection: FailingConnection(connection, budget), before, over)
        except InjectedFailure:
            if not budget.after_commit:
                assert digest(reader, mapping, tenant) == snapshot[0], "half a batch stored"
            sync(scratch, mapping, tenant, source, f"run-{index}-rerun", over=over)
    final = phases[-1]
    assert warehouse_data(reader, mapping, tenant) == expected_for(mapping, tenant, final)
    state = reader.read_state(mapping, tenant)
    assert state.watermark_ts == max(updated_at(r) for r in final)


@pytest.mark.spread
@pytest.mark.parametrize("chunk", range(CHUNKS), ids=[f"trials-{c + 1}-of-{CHUNKS}"
                                                      for c in range(CHUNKS)])
def test_random_failures_then_rerun_from_the_watermark(scratch: Scratch,
                                                       invoices_mapping: ObjectMapping,
                                                       invoices: list[Record],
                                                       chunk: int) -> None:
    phases = phases_of(invoices)
    reader = scratch.open()
    reader.ensure_tables([invoices_mapping])
    counting = Budget()
    trial(scratch, reader, invoices_mapping, phases, counting, str(uuid.uuid4()))
    operations = counting.count
    assert operations > 40  # enough points to fail at: ~8 batches of ~13 operations
    rng = random.Random(20260102)
    fired = mine = 0
    kept = scratch.open().connection  # one connection for the chunk's syncs (``trial``)
    for number in range(TRIALS):
        budget = Budget(rng.randint(1, operations), after_commit=rng.random() < 0.3)
        tenant = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        if number % CHUNKS != chunk:
            continue
        trial(scratch, reader, invoices_mapping, phases, budget, tenant, over=kept)
        fired += budget.fired
        mine += 1
    assert mine and fired == mine
