"""The load protocol every SQL dialect follows; the dialects supply the statements.

``load`` is one transaction (design decisions 4 and 5):

1. stage the parent rows, one per key (``staging.py``), and upsert them: a stored row is only
   overwritten by a staged row whose UpdatedDateUTC is not older, and a staged row identical to
   the stored one is left alone (counted unchanged, children untouched);
2. set ``_run_id`` on every stored row the source contained, applied or not; in a snapshot
   run (``RunContext.snapshot``) also record every key the source contained, quarantined ones
   included (they exist in Xero), in ``_sync_seen``. ``mark_missing_deleted`` marks the rows
   whose key is not there: it depends only on what the snapshot itself read, never on
   ``_run_id``, which any other load or a refill rewrites;
3. for the parents actually applied, delete their child rows in every child table and insert
   the staged ones: an older copy never replaces newer children. Only updated parents can have
   stored children: a parent this load inserted had no row, and parent rows are never
   deleted, so its children are inserted without a DELETE first;
4. quarantine: remove the waiting ``_quarantine`` rows of every key the batch holds (a record
   read later from Xero is its current version, so the waiting one is done with) and store the
   refused records, one row per record; move the watermark, never back; commit.

Quarantined records are retried at the start of every run (``retry_quarantined``): their raw
JSON goes through ``transform`` and ``load`` again, newer-wins included, so a fixed mapping
brings them in and they leave quarantine.

Runs of one object for one organisation take turns (``run_lock``): a database lock tied to the
run's connection (PostgreSQL, SQL Server) or process (SQLite), so a run that dies, even by
SIGKILL, releases it; a second run waits a bounded time, then fails with ``RunLocked``.

``ensure_tables`` creates tables and ALTERs in the columns a mapping gained. Stored rows would
hold NULL in a new column until Xero next sent them (for a child table's column or a new child
table, until the parent next changed: possibly never), so in the same transaction the
mapping's stored records are transformed again from their ``_raw_json`` (design decision 6
keeps the whole record for this) and merged: the new columns and tables are filled from data
already here, with no API call, and a crash leaves neither them nor half of the refill. A
child table whose key the mapping changed (a child keyed by its id becoming keyed by its
position, because Xero omits the id) is dropped, created again and filled the same way: child
rows are wholly derived from the parent's ``_raw_json``.

Any exception rolls everything back. ``_run_id`` therefore means "the last run whose
extract contained the row", and ``_loaded_at`` "when its values were last written".
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from xero_sync.errors import ConfigurationError
from xero_sync.mapping import ObjectMapping
from xero_sync.progress import counted, subject
from xero_sync.transform import Batch, Quarantined, transform
from xero_sync.warehouse.base import (
    DEFAULT_SCHEMA,
    LoadCounts,
    RunContext,
    RunLocked,
    SyncRun,
    SyncState,
    Warehouse,
    WarehouseError,
)
from xero_sync.warehouse.ddl import (
    SAME,
    WIDEN,
    add_column,
    create_table,
    drop_table,
    fit,
    widen_column,
)
from xero_sync.warehouse.dialect import Dialect, check_schema
from xero_sync.warehouse.events import WebhookEventStore, ensure_status_view, mark_processed
from xero_sync.warehouse.staging import StagedBatch, stage
from xero_sync.warehouse.statements import (
    REFILL_PAGE,
    clear_lock_holder_sql,
    clear_seen_sql,
    count_quarantine_sql,
    insert_sql,
    lock_holder_sql,
    mark_missing_sql,
    quarantine_page_sql,
    quarantined_key_sql,
    raw_page_sql,
    reset_state_sql,
    select_state_sql,
    succeeded_tenants_sql,
    tenants_sql,
)
from xero_sync.warehouse.tables import (
    CONTROL_TABLES,
    QUARANTINE,
    SEEN_KEY_LENGTH,
    SYNC_LOCKS,
    SYNC_RUNS,
    SYNC_STATE,
    ColumnSpec,
    TableSpec,
    mapping_tables,
    parent_table,
)
from xero_sync.warehouse.values import Converter, canonical

log = logging.getLogger(__name__)
CREATED, WIDENED = "created", "widened"  # what ensure_tables did to a table
LOCK_POLL_SECONDS = 2.0  # how often a waiting run tries the run lock again


@dataclass
class ParentResult:
    """What the upsert of a batch's parent rows did."""

    inserted: int
    updated: int
    deleted: int  # applied rows now marked deleted that were not before
    applied: set[Any]  # keys inserted or updated: their staged children are inserted
    replaced: set[Any]  # keys updated: their stored children are deleted first


class SqlWarehouse(Warehouse):
    """The protocol over a DB-API connection; subclasses write the SQL of one dialect."""

    sql: ClassVar[Dialect]
    refill_page = REFILL_PAGE  # stored records re-read per step of a refill

    def __init__(self, connection: Any, schema: str = DEFAULT_SCHEMA, *,
                 description: str = "") -> None:
        self.connection = connection
        self.schema = check_schema(schema)
        self.dialect = self.sql.name
        self.description = description or self.sql.name
        self.sleep: Callable[[float], None] = time.sleep  # between tries of the run lock
        # False once a transaction failed or a run lock was refused or not released: the
        # connection's session may then hold what a later user must not inherit (pool.py).
        self.clean = True

    def table(self, name: str) -> str:
        """A table's qualified, quoted name in this warehouse."""
        return self.sql.table(self.schema, name)

    # -- the interface ----------------------------------------------------------------------

    def ensure_tables(self, mappings: Sequence[ObjectMapping]) -> None:
        """Create the control tables and each mapping's tables; add columns mappings gained
        and fill them from the stored ``_raw_json`` (module docstring), in one transaction."""
        with self._transaction("create or widen the tables", self.schema) as cursor:
            self._lock_ddl(cursor)
            self._create_schema(cursor)
            for spec in CONTROL_TABLES:
                self._ensure_table(cursor, spec, "this version of xero-sync")
            ensure_status_view(self, cursor)
            for mapping in mappings:
                origin = mapping.path or f"mapping {mapping.name}"
                changes = {spec.name: self._ensure_table(cursor, spec, origin,
                                                         derived=spec.name != mapping.table)
                           for spec in mapping_tables(mapping)}
                # New columns, or a new child table beside a parent that may hold rows.
                grown = [name for name, change in changes.items() if change]
                if grown and changes[mapping.table] != CREATED:
                    self._refill(cursor, mapping, grown)

    @contextlib.contextmanager
    def run_lock(self, object_name: str, tenant_id: str, run_id: str,
                 wait: timedelta) -> Iterator[None]:
        """Take the run lock of an object and organisation, trying every few seconds for at
        most ``wait`` (the first wait is logged with the holder's run id, from
        ``_sync_locks``), then raising ``RunLocked``; hold it until the block ends.

        Taking it also clears ``_sync_seen`` of the object and organisation: with the lock
        free, whatever a snapshot recorded there belongs to a run that died before marking.
        Leaving it never raises (a dropped connection must not hide the run's own error; the
        server ends a dropped session's locks itself)."""
        resource = f"xero_sync:run:{self.schema}:{object_name}:{tenant_id}"
        what = f"{object_name} for organisation {tenant_id}"
        deadline = time.monotonic() + wait.total_seconds()
        announced = False
        while not self._acquire_run_lock(resource, 0.0 if not announced else
                                         max(0.0, deadline - time.monotonic())):
            holder = self._lock_holder(object_name, tenant_id)
            left = deadline - time.monotonic()
            if left <= 0:
                raise RunLocked(
                    f"warehouse {self.description}: {what} is being synced by another run "
                    f"({holder}); this run waited {wait.total_seconds():.0f} s for it and "
                    "stopped before reading or storing anything. Runs of one object and "
                    "organisation take turns so that they never undo each other's work; the "
                    "task's retry runs once that run ends (a run that died releases the lock "
                    "when its database session or process ends)"
                )
            if not announced:
                log.info("%s is being synced by another run (%s): waiting up to %.0f s for it "
                         "to finish", what, holder, wait.total_seconds())
                announced = True
            self.sleep(min(LOCK_POLL_SECONDS, left))
        try:
            if announced:
                log.info("%s: the other run finished; this run goes ahead", what)
            self._claim_run(object_name, tenant_id, run_id)
            yield
        finally:
            self._leave_run(object_name, tenant_id, resource)

    def _lock_holder(self, object_name: str, tenant_id: str) -> str:
        """The holder's run id, host, process and start, as far as ``_sync_locks`` knows."""
        try:
            with self._transaction("read the run lock's holder", SYNC_LOCKS.name) as cursor:
                cursor.execute(lock_holder_sql(self.sql, self.schema), (object_name, tenant_id))
                row = cursor.fetchone()
        except WarehouseError as error:
            log.warning("%s", error)
            row = None
        if row is None:
            return "holder unknown"
        since = self.read_timestamp(row[2])
        return f"run {row[0]} on {row[1]}, since {since:%Y-%m-%d %H:%M:%S} UTC"

    def _claim_run(self, object_name: str, tenant_id: str, run_id: str) -> None:
        """Write this run into ``_sync_locks``; clear ``_sync_seen`` of dead runs."""
        holder = f"{socket.gethostname()} pid {os.getpid()}"[:250]
        now = datetime.now(UTC).replace(tzinfo=None)
        with self._transaction("claim the run lock", self.table(SYNC_LOCKS.name)) as cursor:
            cursor.execute(clear_lock_holder_sql(self.sql, self.schema), (object_name, tenant_id))
            cursor.execute(self.insert_sql(SYNC_LOCKS),
                           (object_name, tenant_id, run_id, holder, self.bind_timestamp(now)))
            cursor.execute(clear_seen_sql(self.sql, self.schema), (object_name, tenant_id))

    def _leave_run(self, object_name: str, tenant_id: str, resource: str) -> None:
        try:
            with self._transaction("leave the run lock", self.table(SYNC_LOCKS.name)) as cursor:
                cursor.execute(clear_lock_holder_sql(self.sql, self.schema),
                               (object_name, tenant_id))
        except Exception as error:  # the lock matters, the holder row is only information
            log.warning("warehouse %s: could not clear the run lock's holder row: %s",
                        self.description, error)
        try:
            self._release_run_lock(resource)
        except Exception as error:  # a dropped session has released it already
            log.warning("warehouse %s: could not release the run lock %s: %s (the server "
                        "releases it when the session ends)", self.description, resource, error)

    def read_state(self, mapping: ObjectMapping, tenant_id: str) -> SyncState:
        """The stored watermark, or an empty state before the first load."""
        sql = select_state_sql(self.sql, self.schema)
        with self._transaction("read the sync state", self.table(SYNC_STATE.name)) as cursor:
            cursor.execute(sql, (mapping.name, tenant_id))
            row = cursor.fetchone()
        if row is None:
            return SyncState(mapping.name, tenant_id)
        return SyncState(mapping.name, tenant_id, self.read_timestamp(row[0]),
                         None if row[1] is None else int(row[1]), row[2],
                         self.read_timestamp(row[3]))

    def load(self, batch: Batch, run: RunContext, state: SyncState | None,
             events_done: Sequence[str] = ()) -> LoadCounts:
        """Stage, upsert, replace children, record seen keys (snapshots), quarantine, move the
        watermark, mark the webhook events ``events_done`` processed: one transaction."""
        return self._load(batch, run, state, [], events_done)

    def _load(self, batch: Batch, run: RunContext, state: SyncState | None,
              done: list[str], events_done: Sequence[str] = ()) -> LoadCounts:
        """``load``; the waiting quarantine rows of ``done`` are removed too."""
        _check_state(batch.mapping, batch.tenant_id, state)
        staged = stage(batch)
        where = f"{self.table(batch.mapping.table)} (tenant {batch.tenant_id})"
        with self._transaction(f"load {staged.parent.size} rows", where) as cursor:
            self._lock_load(cursor, batch.mapping.table, batch.tenant_id)
            counts = self._load_staged(cursor, staged, run)
            if run.snapshot and staged.seen_keys:
                self._record_seen(cursor, staged, _seen_texts(staged), run)
            self._requarantine(cursor, staged, done, run)
            counts.quarantined = len(staged.quarantined)
            if state is not None:
                self._save_state(cursor, state, run)
            mark_processed(self, cursor, batch.tenant_id, events_done, run.run_id, run.loaded_at)
        log.info("%s: %s; committed", subject(batch.mapping.name, batch.tenant_id), counts)
        self._after_commit(staged)
        return counts

    def mark_missing_deleted(self, mapping: ObjectMapping, tenant_id: str, run: RunContext,
                             state: SyncState | None) -> int:
        """Rows of the tenant whose key the snapshot ``run`` did not record in ``_sync_seen``
        become is_deleted; the recorded keys are cleared; the state moves: one transaction."""
        _check_state(mapping, tenant_id, state)
        if not run.snapshot:
            raise ConfigurationError(
                f"mark_missing_deleted of {mapping.name}/{tenant_id} was given run "
                f"{run.run_id!r}, which is not a snapshot: only a run whose loads recorded every "
                "key they read (RunContext(snapshot=True)) can tell which rows are gone"
            )
        key = parent_table(mapping).column(mapping.key_column)
        sql = mark_missing_sql(self.sql, self.schema, mapping.table, key)
        params = (True, self.bind_timestamp(run.loaded_at), tenant_id, False, mapping.name)
        where = f"{self.table(mapping.table)} (tenant {tenant_id})"
        with self._transaction("mark rows missing from the snapshot deleted", where) as cursor:
            self._lock_load(cursor, mapping.table, tenant_id)
            cursor.execute(sql, params)
            marked = int(cursor.rowcount)
            cursor.execute(clear_seen_sql(self.sql, self.schema), (mapping.name, tenant_id))
            if state is not None:
                self._save_state(cursor, state, run)
        log.info("%s: %s missing from the snapshot marked deleted", subject(mapping.name,
                 tenant_id), counted(marked, "row"))
        return marked

    def retry_quarantined(self, mapping: ObjectMapping, tenant_id: str,
                          run: RunContext) -> LoadCounts:
        """Load the waiting records of the object and organisation again from their raw JSON,
        ``refill_page`` at a time in key order, each page one ``load`` (newer-wins guards it,
        so an old version never overwrites a newer row). Every retried record leaves
        quarantine: it is stored, or a newer version is, or it is refused again and its row
        replaced. Records without a key cannot be stored and are not retried. Returns the
        loads' counts (``quarantined``: refused again)."""
        total = LoadCounts()
        run = replace(run, snapshot=False)  # a retried record is not one the snapshot read
        params: tuple[Any, ...] = (tenant_id, mapping.name)
        sql = quarantine_page_sql(self.sql, self.schema, True, self.refill_page)
        while True:
            with self._transaction("read quarantined records", QUARANTINE.name) as cursor:
                cursor.execute(sql, params)
                rows = cursor.fetchall()
            if not rows:
                return total
            records, keys = [], []
            for key, raw in rows:
                try:
                    records.append(json.loads(raw))
                except ValueError as error:  # stays waiting: a person must look at it
                    log.warning("%s: quarantined record %s has unreadable raw JSON "
                                "(%s); it stays in quarantine", subject(mapping.name, tenant_id),
                                key, error)
                    continue
                keys.append(str(key))
            total.add(self._load(transform(mapping, tenant_id, records), run, None, keys))
            if len(rows) < self.refill_page:
                return total
            sql = quarantine_page_sql(self.sql, self.schema, False, self.refill_page)
            params = (tenant_id, mapping.name, rows[-1][0])

    def quarantine_waiting(self, mapping: ObjectMapping, tenant_id: str) -> int:
        """``SELECT COUNT(*)`` of the object's and organisation's ``_quarantine`` rows."""
        with self._transaction("count quarantined records", QUARANTINE.name) as cursor:
            cursor.execute(count_quarantine_sql(self.sql, self.schema), (tenant_id, mapping.name))
            row = cursor.fetchone()
        return int(row[0]) if row else 0

    def reset_watermark(self, object_name: str, tenant_id: str, watermark_ts: datetime | None,
                        watermark_int: int | None, run_id: str) -> bool:
        """UPDATE the state row (the one statement that moves a watermark back); INSERT it
        when there is none and a watermark is given."""
        now = self.bind_timestamp(datetime.now(UTC).replace(tzinfo=None))
        stamp = self.bind_timestamp(watermark_ts)
        table = self.table(SYNC_STATE.name)
        with self._transaction("reset the watermark", table) as cursor:
            cursor.execute(reset_state_sql(self.sql, self.schema),
                           (stamp, watermark_int, run_id, now, object_name, tenant_id))
            if int(cursor.rowcount) > 0:
                return True
            if watermark_ts is None and watermark_int is None:
                return False
            cursor.execute(self.insert_sql(SYNC_STATE),
                           (object_name, tenant_id, stamp, watermark_int, run_id, now))
        return True

    def record_run(self, run: SyncRun) -> None:
        """Append the run's row to ``_sync_runs``."""
        counts = run.counts
        values = (run.run_id, run.object_name, run.tenant_id,
                  self.bind_timestamp(run.started_at), self.bind_timestamp(run.finished_at),
                  run.status, run.calls, run.pages, counts.inserted, counts.updated,
                  counts.unchanged, counts.deleted, counts.child_rows, counts.quarantined,
                  run.error, run.quarantine_waiting, run.tenant_name)
        table = self.table(SYNC_RUNS.name)
        with self._transaction("record the run", table) as cursor:
            cursor.execute(self.insert_sql(SYNC_RUNS), values)

    def succeeded_tenants(self, run_id: str, object_name: str) -> set[str]:
        """``SELECT DISTINCT tenant_id`` of the run's successful ``_sync_runs`` rows of the
        object (``Warehouse.succeeded_tenants``)."""
        table = self.table(SYNC_RUNS.name)
        with self._transaction("read the run's successful syncs", table) as cursor:
            cursor.execute(succeeded_tenants_sql(self.sql, self.schema),
                           (run_id, object_name, "success"))
            rows = cursor.fetchall()
        return {str(row[0]).lower() for row in rows}

    def settle_webhook_events(self, tenant_id: str, category: str, received_before: datetime,
                              run_id: str) -> int:
        """Mark processed the organisation's pending events of a category received before
        ``received_before`` (``events.WebhookEventStore.settle``)."""
        now = datetime.now(UTC).replace(tzinfo=None)
        return WebhookEventStore(self).settle(tenant_id, category, received_before, run_id,
                                              now)

    def transaction(self, action: str, where: str) -> contextlib.AbstractContextManager[Any]:
        """One transaction, its cursor yielded, rolled back whole on any error (a driver error
        becomes ``WarehouseError`` naming ``action`` and ``where``): for the modules that keep
        their own rows here (``events.py``)."""
        return self._transaction(action, where)

    def close(self) -> None:
        """Close the connection."""
        with contextlib.suppress(Exception):
            self.connection.close()

    # -- shared SQL -------------------------------------------------------------------------

    def insert_sql(self, spec: TableSpec, names: Sequence[str] | None = None) -> str:
        """``INSERT INTO table (columns) VALUES (placeholders)``."""
        return insert_sql(self.sql, self.schema, spec, names)

    def quarantine_rows(self, records: list[Quarantined], run: RunContext) -> list[tuple[Any, ...]]:
        """The ``_quarantine`` rows of a batch's refused records."""
        loaded_at = self.bind_timestamp(run.loaded_at)
        return [(r.tenant_id, r.object_name, r.record_key, r.reason, r.raw_json, run.run_id,
                 loaded_at) for r in records]

    def state_values(self, state: SyncState, run: RunContext) -> tuple[Any, ...]:
        """The ``_sync_state`` row to merge (the run's id and time unless the state says)."""
        return (state.object_name, state.tenant_id, self.bind_timestamp(state.watermark_ts),
                state.watermark_int, state.last_run_id or run.run_id,
                self.bind_timestamp(state.updated_at or run.loaded_at))

    def bind_timestamp(self, value: datetime | None) -> Any:
        """A naive-UTC datetime as this driver binds it."""
        return value

    def read_timestamp(self, value: Any) -> datetime | None:
        """A stored timestamp back as a naive-UTC datetime."""
        return value

    def converters(self, spec: TableSpec) -> list[Converter] | None:
        """Per-column converters for binding a frame's rows (None: the driver binds them)."""
        return None

    # -- what each dialect provides ---------------------------------------------------------

    def driver_errors(self) -> tuple[type[BaseException], ...]:
        """The driver's exception classes (wrapped into WarehouseError)."""
        raise NotImplementedError

    def _begin(self, cursor: Any) -> None:
        """Start a transaction (drivers that start one implicitly do nothing)."""

    def _lock_ddl(self, cursor: Any) -> None:
        """Serialise concurrent ``ensure_tables`` (many mapped tasks start at once)."""
        raise NotImplementedError

    def _create_schema(self, cursor: Any) -> None:
        """Create the warehouse schema if missing."""

    def _lock_load(self, cursor: Any, table: str, tenant_id: str) -> None:
        """Serialise, until the transaction ends, the writers of one table and organisation
        (SQL Server; PostgreSQL's ON CONFLICT and SQLite's single writer need none)."""

    def _existing_columns(self, cursor: Any, table: str) -> dict[str, str]:
        """The columns a table has now, in order, with their types as the catalog spells them
        (``ddl.normal_type`` reads them); empty when the table does not exist."""
        raise NotImplementedError

    def _existing_key(self, cursor: Any, table: str) -> list[str]:
        """The columns of an existing table's primary key, in key order."""
        raise NotImplementedError

    def _merge_parents(self, cursor: Any, staged: StagedBatch, run: RunContext) -> ParentResult:
        """Stage and upsert the parent rows."""
        raise NotImplementedError

    def _touch(self, cursor: Any, staged: StagedBatch, keys: list[Any], run: RunContext) -> None:
        """Set ``_run_id`` on the stored rows of ``keys`` (seen, not rewritten)."""
        raise NotImplementedError

    def _replace_children(self, cursor: Any, staged: StagedBatch, result: ParentResult,
                          run: RunContext) -> int:
        """Delete the replaced parents' children, insert the applied parents' staged ones;
        returns the rows inserted."""
        raise NotImplementedError

    def _insert_quarantine(self, cursor: Any, records: list[Quarantined],
                           run: RunContext) -> None:
        """Store the refused records."""
        if records:
            cursor.executemany(self.insert_sql(QUARANTINE), self.quarantine_rows(records, run))

    def _forget_quarantined(self, cursor: Any, object_name: str, tenant_id: str,
                            keys: list[str]) -> None:
        """Delete the ``_quarantine`` rows of these record keys (one statement)."""
        raise NotImplementedError

    def _record_seen(self, cursor: Any, staged: StagedBatch, keys: list[str],
                     run: RunContext) -> None:
        """Add the keys (as text) to ``_sync_seen``; keys already there stay (one statement)."""
        raise NotImplementedError

    def _acquire_run_lock(self, resource: str, wait_seconds: float) -> bool:
        """Try the run lock: True when this warehouse now holds it. A dialect may wait up to
        ``wait_seconds`` inside the attempt (SQL Server does, see ``MssqlWarehouse``); the
        others try once and ``run_lock`` polls."""
        raise NotImplementedError

    def _release_run_lock(self, resource: str) -> None:
        """Release the run lock taken by ``_acquire_run_lock``."""
        raise NotImplementedError

    def _save_state(self, cursor: Any, state: SyncState, run: RunContext) -> None:
        """Upsert ``_sync_state``; watermarks become the greater of stored and new."""
        raise NotImplementedError

    def _after_commit(self, staged: StagedBatch) -> None:
        """Housekeeping once a load is committed (never part of it)."""

    # -- the protocol -----------------------------------------------------------------------

    def _requarantine(self, cursor: Any, staged: StagedBatch, done: list[str],
                      run: RunContext) -> None:
        """One waiting row per record: remove the rows of every key the batch holds (stored
        now, or refused again) and of ``done``, then store the refused records, the last copy
        of each (read last, so the current one)."""
        refused = _last_per_key(staged.quarantined)
        keys = {str(key) for key in staged.keys} | set(done)
        keys.update(r.record_key for r in refused if r.record_key is not None)
        if keys:
            self._forget_quarantined(cursor, staged.mapping.name, staged.tenant_id,
                                     sorted(keys))
        self._insert_quarantine(cursor, refused, run)

    def _not_waiting(self, cursor: Any, records: list[Quarantined]) -> list[Quarantined]:
        """The refill's refused records that have no row in quarantine yet. A waiting row is
        newer than the stored version a refill reads (a later read replaces it), so it is
        kept, not overwritten by the older record; refills refuse few records, so one query
        each is fine."""
        kept = []
        for record in _last_per_key(records):
            if record.record_key is not None:
                cursor.execute(quarantined_key_sql(self.sql, self.schema),
                               (record.tenant_id, record.object_name, record.record_key))
                row = cursor.fetchone()
                if row and int(row[0]):
                    continue
            kept.append(record)
        return kept

    def _load_staged(self, cursor: Any, staged: StagedBatch, run: RunContext) -> LoadCounts:
        counts = LoadCounts()
        if not staged.seen_keys:
            return counts
        result = ParentResult(0, 0, 0, set(), set())
        if staged.parent.size:
            result = self._merge_parents(cursor, staged, run)
        untouched = [key for key in staged.seen_keys if key not in result.applied]
        if untouched:
            self._touch(cursor, staged, untouched, run)
        if result.applied:
            counts.child_rows = self._replace_children(cursor, staged, result, run)
        counts.inserted, counts.updated, counts.deleted = (result.inserted, result.updated,
                                                           result.deleted)
        counts.unchanged = staged.parent.size - result.inserted - result.updated
        return counts

    def _ensure_table(self, cursor: Any, spec: TableSpec, origin: str,
                      derived: bool = False) -> str | None:
        """Create the table or add its missing columns: CREATED, WIDENED or None (as it was).
        Existing columns must hold what the mapping (file ``origin``) produces: shorter text
        is widened, any other type change refused. A ``derived`` table (a child table, which
        the refill fills from its parents' ``_raw_json``) whose key changed is created again."""
        existing = self._existing_columns(cursor, spec.name)
        stored_key = self._existing_key(cursor, spec.name) if existing and derived else None
        if stored_key is not None and set(stored_key) != set(spec.key):
            log.warning("%s is keyed by (%s); %s keys it by (%s): dropping it to create it "
                        "again and fill it from the parents' _raw_json", self.table(spec.name),
                        ", ".join(stored_key), origin, ", ".join(spec.key))
            cursor.execute(drop_table(self.sql, self.schema, spec.name))
            existing = {}
        if not existing:
            cursor.execute(create_table(self.sql, self.schema, spec))
            log.info("created table %s", self.table(spec.name))
            return CREATED
        missing_key = [name for name in spec.key if name not in existing]
        if missing_key:
            raise ConfigurationError(
                f"table {self.table(spec.name)} exists without its key column(s) "
                f"{', '.join(missing_key)}: the mapping's key changed. Rename or drop the table "
                "and run a full refresh"
            )
        for column in spec.columns:
            if column.name in existing:
                self._check_type(cursor, spec, column, existing[column.name], origin)
        added = [column for column in spec.columns if column.name not in existing]
        for column in added:
            cursor.execute(add_column(self.sql, self.schema, spec.name, column))
            log.info("added column %s to %s", column.name, self.table(spec.name))
        return WIDENED if added else None

    def _check_type(self, cursor: Any, spec: TableSpec, column: ColumnSpec, stored: str,
                    origin: str) -> None:
        """Widen shorter text; refuse any other difference, saying what to do."""
        verdict = fit(self.sql, stored, column)
        if verdict == SAME:
            return
        where = f"column {column.name} of {self.table(spec.name)}"
        wanted = self.sql.sql_type(column)
        if verdict == WIDEN and column.name not in spec.key:
            cursor.execute(widen_column(self.sql, self.schema, spec.name, column))
            log.info("widened %s from %s to %s", where, stored, wanted)
            return
        declared = f"{origin} declares it {wanted}"
        raise ConfigurationError(
            f"{where} is {stored}, but {declared}. Column types are never converted in place "
            "(a conversion can lose data or fail half-way"
            + (", and a key column cannot change" if column.name in spec.key else "")
            + "). Put the mapping's type back; or give the column a new name in the mapping "
            "(the new column is added and filled from _raw_json; drop the old one yourself when "
            f"nothing reads it); or ALTER the column to {wanted} yourself"
        )

    def _refill(self, cursor: Any, mapping: ObjectMapping, grown: list[str]) -> int:
        """Transform every stored record of the mapping again from its ``_raw_json`` and merge
        it, children replaced, so columns and child tables just added hold what Xero sent;
        returns the records refilled. Runs under the table-creation lock, in ensure_tables'
        transaction.

        The records are the stored versions themselves, so the newer-wins guard passes and
        nothing moves but the new columns (and ``_loaded_at``/``_run_id`` of the parent rows
        whose values change). A full snapshot's delete marking reads ``_sync_seen``, which a
        refill never writes. A stored record the widened mapping refuses is quarantined (unless
        a newer version of it already waits there) and keeps its old row."""
        now = datetime.now(UTC)
        run = RunContext(f"refill {mapping.name} {now:%Y-%m-%dT%H:%M:%SZ}",
                         now.replace(tzinfo=None))
        log.info("%s: %s created or given new columns; filling them from the stored "
                 "_raw_json", mapping.name, ", ".join(self.table(name) for name in grown))
        cursor.execute(tenants_sql(self.sql, self.schema, mapping.table))
        tenants = [canonical(row[0]) for row in cursor.fetchall()]
        total = 0
        for tenant_id in tenants:
            self._lock_load(cursor, mapping.table, tenant_id)
            refilled = 0
            for records, deleted in self._stored_records(cursor, mapping, tenant_id):
                batch = transform(mapping, tenant_id, records)
                # A row a full snapshot marked deleted (Xero hard-deleted it) stays deleted,
                # whatever its last record said.
                gone = batch.parent[mapping.key_column].isin(deleted)
                batch.parent.loc[gone, "is_deleted"] = True
                staged = stage(batch)
                if staged.parent.size:
                    merged = self._merge_parents(cursor, staged, run)
                    self._replace_children(cursor, staged, self._reapply(cursor, staged, merged),
                                           run)
                self._insert_quarantine(cursor, self._not_waiting(cursor, staged.quarantined),
                                        run)
                self._discard_stage(cursor)
                refilled += len(records)
            log.info("%s: %d stored records refilled", subject(mapping.name, tenant_id),
                     refilled)
            total += refilled
        return total

    def _stored_records(self, cursor: Any, mapping: ObjectMapping, tenant_id: str
                        ) -> Iterator[tuple[list[dict[str, Any]], set[Any]]]:
        """The organisation's stored records, ``refill_page`` at a time, in key order, with
        the keys of those stored as deleted."""
        key = parent_table(mapping).column(mapping.key_column)
        size = self.refill_page
        cursor.execute(raw_page_sql(self.sql, self.schema, mapping.table, key, True, size),
                       (tenant_id,))
        rows = cursor.fetchall()
        following = raw_page_sql(self.sql, self.schema, mapping.table, key, False, size)
        while rows:
            yield ([json.loads(raw) for _, _, raw in rows],
                   {canonical(key) for key, deleted, _ in rows if deleted})
            if len(rows) < size:
                return
            cursor.execute(following, (tenant_id, canonical(rows[-1][0])))
            rows = cursor.fetchall()

    def _reapply(self, cursor: Any, staged: StagedBatch, merged: ParentResult) -> ParentResult:
        """The merge's result with every staged parent applied, so that all their children
        are replaced (a refill's parents are the stored versions: none is older)."""
        keys = set(staged.keys)
        return ParentResult(merged.inserted, merged.updated, merged.deleted, keys, keys)

    def _discard_stage(self, cursor: Any) -> None:
        """Drop what a merge staged before the next one in the same transaction."""

    @contextlib.contextmanager
    def _transaction(self, action: str, where: str) -> Iterator[Any]:
        cursor = None
        try:
            cursor = self.connection.cursor()  # a dropped connection may fail here already
            self._begin(cursor)
            yield cursor
            self.connection.commit()
        except BaseException as error:
            self.clean = False
            self._rollback()
            if isinstance(error, self.driver_errors()):
                raise WarehouseError(
                    f"warehouse {self.description}: could not {action} in {where}: {error}. "
                    "The transaction was rolled back: nothing of it is stored and the "
                    "watermark did not move. Check the warehouse connection and rerun the task; "
                    "it resumes from the stored watermark"
                ) from error
            raise
        finally:
            if cursor is not None:
                with contextlib.suppress(Exception):
                    cursor.close()

    def _rollback(self) -> None:
        try:
            self.connection.rollback()
        except Exception as error:  # the connection may be gone: the server rolls back then
            log.warning("warehouse %s: rollback failed: %s", self.description, error)


def _check_state(mapping: ObjectMapping, tenant_id: str, state: SyncState | None) -> None:
    if state is not None and (state.object_name, state.tenant_id) != (mapping.name, tenant_id):
        raise ConfigurationError(
            f"state for {state.object_name}/{state.tenant_id} passed with a batch of "
            f"{mapping.name}/{tenant_id}; pass the state of the batch's object and tenant"
        )


def _seen_texts(staged: StagedBatch) -> list[str]:
    """The keys a snapshot's batch read, as ``_sync_seen`` stores them (text)."""
    texts = [str(key) for key in staged.seen_keys]
    too_long = next((text for text in texts if len(text) > SEEN_KEY_LENGTH), None)
    if too_long is not None:
        raise ConfigurationError(
            f"{staged.mapping.name}: key {too_long[:60]!r}… is longer than the "
            f"{SEEN_KEY_LENGTH} characters a full snapshot can record; give the key column a "
            f"length of at most {SEEN_KEY_LENGTH} in the mapping, or sync it incrementally"
        )
    return texts


def _last_per_key(records: list[Quarantined]) -> list[Quarantined]:
    """One refused record per key, the last; records without a key are all kept."""
    last: dict[str, Quarantined] = {}
    keyless = []
    for record in records:
        if record.record_key is None:
            keyless.append(record)
        else:
            last.pop(record.record_key, None)
            last[record.record_key] = record
    return [*last.values(), *keyless]
