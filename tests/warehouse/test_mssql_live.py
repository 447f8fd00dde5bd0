"""The load tests of SQLite and PostgreSQL, run on a real SQL Server.

Skipped unless ``XERO_SYNC_TEST_MSSQL`` holds a connection URI, e.g.::

    XERO_SYNC_TEST_MSSQL=mssql://sa:Secret123!@localhost:1433/master \\
        .venv/bin/pytest tests/warehouse/test_mssql_live.py

Each test gets a scratch schema (``xero_wh_test_<hex>``), dropped with its tables afterwards.
The tests are the same functions as in ``test_load``, ``test_values``, ``test_tables``,
``test_failures``, ``test_hostile_records``, ``test_child_keys``, ``test_spec_examples``
and ``test_runs``; only the ``scratch`` fixture differs.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.warehouse import (
    test_child_keys,
    test_failures,
    test_hostile_records,
    test_load,
    test_runs,
    test_spec_examples,
    test_tables,
    test_values,
)
from tests.warehouse.conftest import TENANT
from tests.warehouse.support import (
    Scratch,
    expected_rows,
    new_version,
    run,
    warehouse_data,
)
from xero_sync.mapping import ObjectMapping
from xero_sync.transform import Batch, transform
from xero_sync.warehouse.base import LoadCounts
from xero_sync.warehouse.dbapi import connect, target_from_uri
from xero_sync.warehouse.mssql import MssqlWarehouse
from xero_sync.warehouse.sqlbase import SqlWarehouse

Record = dict[str, Any]

URI = os.environ.get("XERO_SYNC_TEST_MSSQL")
# Each test has a scratch schema of its own: under xdist they spread over the workers.
pytestmark = [pytest.mark.skipif(
    not URI, reason="no SQL Server here: set XERO_SYNC_TEST_MSSQL=mssql://user:pass@host:1433/db "
                    "to run the warehouse load tests on one"), pytest.mark.spread]

# STRING_AGG, not SELECT @sql += …: Babelfish keeps only the last row of the latter.
_DROP_TABLES = (
    "DECLARE @sql NVARCHAR(MAX); "
    "SELECT @sql = STRING_AGG(CAST(N'DROP TABLE ' + QUOTENAME(s.name) + N'.' "
    "+ QUOTENAME(t.name) AS NVARCHAR(MAX)), N'; ') "
    "FROM sys.tables AS t JOIN sys.schemas AS s ON s.schema_id = t.schema_id "
    "WHERE s.name = %s; IF @sql IS NOT NULL EXEC sp_executesql @sql"
)
# Views first: a table a view reads cannot be dropped (ensure_tables creates _webhook_status).
_DROP_VIEWS = _DROP_TABLES.replace("DROP TABLE", "DROP VIEW").replace("sys.tables", "sys.views")


@pytest.fixture
def scratch() -> Iterator[Scratch]:
    """A scratch schema on the SQL Server of XERO_SYNC_TEST_MSSQL."""
    assert URI is not None
    target = target_from_uri(URI)
    scratch = Scratch(target, f"xero_wh_test_{uuid.uuid4().hex[:10]}")
    yield scratch
    scratch.close_all()
    connection = connect(target)
    try:
        cursor = connection.cursor()
        cursor.execute(_DROP_VIEWS, (scratch.schema,))
        cursor.execute(_DROP_TABLES, (scratch.schema,))
        cursor.execute(f"IF SCHEMA_ID(N'{scratch.schema}') IS NOT NULL "
                       f"DROP SCHEMA [{scratch.schema}]")
        connection.commit()
    finally:
        connection.close()


test_pages_of_invoices_load_with_children = test_load.test_pages_of_invoices_load_with_children
test_loading_again_changes_nothing = test_load.test_loading_again_changes_nothing
test_an_older_version_never_overwrites_a_newer_one = (
    test_load.test_an_older_version_never_overwrites_a_newer_one)
test_a_version_stamped_beyond_xeros_clock_yields_to_the_next_one = (
    test_load.test_a_version_stamped_beyond_xeros_clock_yields_to_the_next_one)
test_same_timestamp_with_different_content_is_applied = (
    test_load.test_same_timestamp_with_different_content_is_applied)
test_a_voided_invoice_is_marked_deleted_and_keeps_its_last_state = (
    test_load.test_a_voided_invoice_is_marked_deleted_and_keeps_its_last_state)
test_duplicate_keys_in_a_batch_the_last_wins = (
    test_load.test_duplicate_keys_in_a_batch_the_last_wins)
test_the_watermark_never_moves_back = test_load.test_the_watermark_never_moves_back
test_a_full_snapshot_marks_missing_rows_deleted = (
    test_load.test_a_full_snapshot_marks_missing_rows_deleted)
test_a_failed_load_stores_nothing = test_load.test_a_failed_load_stores_nothing
test_a_database_error_names_the_table_and_rolls_back = (
    test_load.test_a_database_error_names_the_table_and_rolls_back)
test_runs_are_recorded = test_load.test_runs_are_recorded
test_hostile_text_and_missing_values_are_stored_exactly = (
    test_values.test_hostile_text_and_missing_values_are_stored_exactly)
test_a_text_key_with_escapes_stays_live_through_a_full_snapshot = (
    test_values.test_a_text_key_with_escapes_stays_live_through_a_full_snapshot)
test_text_with_every_json_escape_is_stored_exactly = (
    test_values.test_text_with_every_json_escape_is_stored_exactly)
test_dates_at_the_edges_are_stored_exactly = test_values.test_dates_at_the_edges_are_stored_exactly
test_typed_values_read_back_as_the_batch_holds_them = (
    test_values.test_typed_values_read_back_as_the_batch_holds_them)
test_values_a_column_cannot_hold_are_quarantined_with_a_reason = (
    test_values.test_values_a_column_cannot_hold_are_quarantined_with_a_reason)
test_every_table_is_created_once_with_its_columns = (
    test_tables.test_every_table_is_created_once_with_its_columns)
test_a_column_added_to_a_mapping_is_altered_in_and_filled_from_raw_json = (
    test_tables.test_a_column_added_to_a_mapping_is_altered_in_and_filled_from_raw_json)
test_a_child_table_added_to_a_mapping_is_filled_from_raw_json = (
    test_tables.test_a_child_table_added_to_a_mapping_is_filled_from_raw_json)
test_a_refill_keeps_rows_a_snapshot_marked_deleted = (
    test_tables.test_a_refill_keeps_rows_a_snapshot_marked_deleted)
test_a_refill_that_fails_leaves_the_table_as_it_was = (
    test_tables.test_a_refill_that_fails_leaves_the_table_as_it_was)
test_a_stored_record_the_wider_mapping_refuses_is_quarantined_and_kept = (
    test_tables.test_a_stored_record_the_wider_mapping_refuses_is_quarantined_and_kept)
test_every_project_mapping_gets_its_tables = test_tables.test_every_project_mapping_gets_its_tables
test_random_failures_then_rerun_from_the_watermark = (
    test_failures.test_random_failures_then_rerun_from_the_watermark)
test_half_an_emoji_quarantines_only_its_record_or_is_kept_escaped = (
    test_hostile_records.test_half_an_emoji_quarantines_only_its_record_or_is_kept_escaped)
test_items_that_are_not_records_are_quarantined_by_position = (
    test_hostile_records.test_items_that_are_not_records_are_quarantined_by_position)
test_unreadable_change_times_are_quarantined_and_never_move_the_watermark = (
    test_hostile_records.test_unreadable_change_times_are_quarantined_and_never_move_the_watermark)
test_journals_without_a_whole_number_are_quarantined_and_the_offset_moves_past_the_rest = (
    test_hostile_records
    .test_journals_without_a_whole_number_are_quarantined_and_the_offset_moves_past_the_rest)
test_the_newest_copy_of_a_record_wins_within_a_batch = (
    test_hostile_records.test_the_newest_copy_of_a_record_wins_within_a_batch)
test_children_without_ids_are_keyed_by_position = (
    test_child_keys.test_children_without_ids_are_keyed_by_position)
test_tables_keyed_by_child_ids_are_rebuilt_from_raw_json = (
    test_child_keys.test_tables_keyed_by_child_ids_are_rebuilt_from_raw_json)
test_every_example_record_lands_children_without_ids_too = (
    test_spec_examples.test_every_example_record_lands_children_without_ids_too)
# Runs: the run lock, snapshot marking from the keys read, quarantine retries, future dates.
test_a_load_between_a_snapshots_load_and_its_marking_deletes_no_live_row = (
    test_runs.test_a_load_between_a_snapshots_load_and_its_marking_deletes_no_live_row)
test_a_refill_between_a_snapshots_load_and_its_marking_deletes_no_live_row = (
    test_runs.test_a_refill_between_a_snapshots_load_and_its_marking_deletes_no_live_row)
test_quarantined_records_count_as_read_by_a_snapshot_and_wait_in_one_row_each = (
    test_runs.test_quarantined_records_count_as_read_by_a_snapshot_and_wait_in_one_row_each)
test_a_run_started_during_a_snapshot_waits_its_turn_and_nothing_live_is_deleted = (
    test_runs.test_a_run_started_during_a_snapshot_waits_its_turn_and_nothing_live_is_deleted)
test_a_second_run_fails_clearly_naming_the_first_and_other_runs_go_ahead = (
    test_runs.test_a_second_run_fails_clearly_naming_the_first_and_other_runs_go_ahead)
test_run_sync_fails_clearly_while_another_run_holds_the_lock = (
    test_runs.test_run_sync_fails_clearly_while_another_run_holds_the_lock)
test_a_waiting_run_goes_ahead_when_the_first_ends = (
    test_runs.test_a_waiting_run_goes_ahead_when_the_first_ends)
test_a_killed_run_leaves_no_lock_behind = test_runs.test_a_killed_run_leaves_no_lock_behind
test_a_record_from_the_future_does_not_carry_the_watermark_past_xeros_clock = (
    test_runs.test_a_record_from_the_future_does_not_carry_the_watermark_past_xeros_clock)
test_the_watermark_follows_xeros_clock_from_the_date_header = (
    test_runs.test_the_watermark_follows_xeros_clock_from_the_date_header)
test_a_watermark_stored_in_the_future_is_reset_and_the_run_reads_everything = (
    test_runs.test_a_watermark_stored_in_the_future_is_reset_and_the_run_reads_everything)
test_an_operator_resets_a_watermark_with_the_command_line = (
    test_runs.test_an_operator_resets_a_watermark_with_the_command_line)
test_a_quarantined_record_comes_back_once_the_mapping_accepts_it = (
    test_runs.test_a_quarantined_record_comes_back_once_the_mapping_accepts_it)
test_a_record_refused_run_after_run_waits_in_one_row = (
    test_runs.test_a_record_refused_run_after_run_waits_in_one_row)
test_a_newer_version_read_from_xero_takes_a_record_out_of_quarantine = (
    test_runs.test_a_newer_version_read_from_xero_takes_a_record_out_of_quarantine)
test_a_retried_record_never_overwrites_a_newer_stored_version = (
    test_runs.test_a_retried_record_never_overwrites_a_newer_stored_version)
test_the_retry_reads_the_quarantine_page_by_page = (
    test_runs.test_the_retry_reads_the_quarantine_page_by_page)
test_an_older_sync_runs_table_gains_the_quarantine_waiting_column = (
    test_runs.test_an_older_sync_runs_table_gains_the_quarantine_waiting_column)
test_a_warehouse_that_drops_mid_run_raises_the_runs_own_error = (
    test_runs.test_a_warehouse_that_drops_mid_run_raises_the_runs_own_error)


# -- two writers at once: the load lock (Babelfish ignores UPDLOCK, HOLDLOCK) ------------------

class CommitGate:
    """A pymssql connection whose next COMMIT, once ``armed``, waits for ``release``: the load
    has run every statement and holds its locks. Its commits and its staging statements are
    written to ``events`` in the order they happen."""

    def __init__(self, connection: Any, name: str, events: list[str]) -> None:
        self.connection, self.name, self.events = connection, name, events
        self.armed = False
        self.reached, self.release, self.staging = (threading.Event(), threading.Event(),
                                                    threading.Event())

    def cursor(self) -> Any:
        gate, cursor = self, self.connection.cursor()

        class Probe:
            def execute(self, sql: str, params: Any = None) -> None:
                if "INTO #stage" in sql:
                    gate.events.append(f"{gate.name} stages")
                    gate.staging.set()
                cursor.execute(sql, params)

            def __getattr__(self, name: str) -> Any:
                return getattr(cursor, name)

        return Probe()

    def commit(self) -> None:
        if self.armed:
            self.armed = False
            self.reached.set()
            assert self.release.wait(120), "the test never released the first load"
        # Written as the COMMIT is sent: once the server has it, the other load may run on
        # before this thread writes anything more.
        self.events.append(f"{self.name} commits")
        self.connection.commit()

    def rollback(self) -> None:
        self.connection.rollback()

    def close(self) -> None:
        self.connection.close()


def _load_in_thread(warehouse: SqlWarehouse, batch: Batch, run_id: str,
                    outcome: dict[str, Any]) -> threading.Thread:
    def work() -> None:
        try:
            outcome[run_id] = warehouse.load(batch, run(run_id), None)
        except Exception as error:  # reported by the test
            outcome[run_id] = error

    thread = threading.Thread(target=work, name=run_id)
    thread.start()
    return thread


@pytest.mark.parametrize("newer_first", [False, True], ids=["older-first", "newer-first"])
def test_two_loads_of_overlapping_keys_at_once_take_turns_and_the_newer_wins(
        scratch: Scratch, invoices_mapping: ObjectMapping, invoices: list[Record],
        newer_first: bool) -> None:
    stored, overlapping, fresh = invoices[:4], invoices[4:12], invoices[12:16]
    older = [*stored, *overlapping]
    newer = [new_version(r, Reference=f"newer {i}") for i, r in enumerate([*stored, *overlapping])]
    newer += fresh
    setup = scratch.open()
    setup.ensure_tables([invoices_mapping])
    setup.load(transform(invoices_mapping, TENANT, stored), run("run-0"), None)
    events: list[str] = []
    gated = CommitGate(connect(scratch.target), "first", events)
    first = MssqlWarehouse(gated, scratch.schema)
    probed = CommitGate(connect(scratch.target), "second", events)
    second = MssqlWarehouse(probed, scratch.schema)
    scratch.opened += [first, second]
    first_batch, second_batch = (newer, older) if newer_first else (older, newer)
    outcome: dict[str, Any] = {}

    gated.armed = True
    threads = [_load_in_thread(first, transform(invoices_mapping, TENANT, first_batch),
                               "run-first", outcome)]
    assert gated.reached.wait(60), outcome
    threads.append(_load_in_thread(second, transform(invoices_mapping, TENANT, second_batch),
                                   "run-second", outcome))
    # Without the load lock the second load stages (and decides) while the first holds its
    # transaction open; with it, it waits at sp_getapplock until the first commits. Its
    # connection is open already: without the lock it stages within a second or two.
    probed.staging.wait(5)
    gated.release.set()
    for thread in threads:
        thread.join(120)

    assert events.index("first commits") < events.index("second stages"), events
    assert all(isinstance(counts, LoadCounts) for counts in outcome.values()), outcome
    assert warehouse_data(setup, invoices_mapping, TENANT) == expected_rows(
        invoices_mapping, TENANT, newer)
    later = outcome["run-second"]
    if newer_first:  # the older versions came second: nothing of them was written
        assert (later.inserted, later.updated, later.unchanged) == (0, 0, len(older))
    else:  # the newer versions came second and overwrote every older one
        assert (later.inserted, later.updated) == (len(fresh), len(stored) + len(overlapping))


class _CountingCursor:
    """Counts the run-lock attempts the server refused (``sp_getapplock`` below 0)."""

    def __init__(self, cursor: Any, refusals: list[int]) -> None:
        self._cursor, self._refusals, self._asked = cursor, refusals, False

    def execute(self, sql: str, *args: Any) -> Any:
        self._asked = "LockOwner = 'Session'" in sql and "sp_getapplock" in sql
        return self._cursor.execute(sql, *args)

    def fetchone(self) -> Any:
        row = self._cursor.fetchone()
        if self._asked and row is not None and int(row[0]) < 0:
            self._refusals.append(int(row[0]))
        return row

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


class _CountingConnection:
    def __init__(self, connection: Any, refusals: list[int]) -> None:
        self._connection, self._refusals = connection, refusals

    def cursor(self) -> _CountingCursor:
        return _CountingCursor(self._connection.cursor(), self._refusals)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)


def test_a_waiting_run_is_refused_at_most_twice_and_the_server_survives(
        scratch: Scratch) -> None:
    """Babelfish 4.4 aborts the whole server after about five refused ``sp_getapplock`` calls
    in one session; a run that waits its turn must not poll the lock (it waited 12 s here, a
    refusal every 2 s before), but wait inside one call. Real time: 12 s."""
    from datetime import timedelta

    from xero_sync.warehouse.base import RunLocked

    holder = scratch.open()
    refusals: list[int] = []
    waiting = scratch.open(lambda connection: _CountingConnection(connection, refusals))
    holder.ensure_tables([])
    with holder.run_lock("invoices", TENANT, "scheduled__1", timedelta(0)):
        with pytest.raises(RunLocked, match="scheduled__1"), \
                waiting.run_lock("invoices", TENANT, "backfill__1", timedelta(seconds=12)):
            pass
        assert len(refusals) <= 2, refusals
        cursor = holder.connection.cursor()  # the holder's session is still alive
        cursor.execute("SELECT 1")
        assert cursor.fetchone()[0] == 1
    with waiting.run_lock("invoices", TENANT, "backfill__1", timedelta(0)):
        pass  # and the lock, once free, is granted to the session that waited


def test_warehouses_of_one_airflow_connection_share_a_session_that_holds_no_lock(
        scratch: Scratch, monkeypatch: pytest.MonkeyPatch) -> None:
    """``warehouse/pool.py`` on a real server: the next warehouse of the process reuses the
    session of one that ended cleanly (no new login), and that session holds nothing of the
    previous run: its run lock is free for another session, its transaction was rolled back."""
    import json
    from datetime import timedelta

    from xero_sync.warehouse.factory import warehouse_for
    from xero_sync.warehouse.pool import IdleConnections

    target = scratch.target
    monkeypatch.setattr("xero_sync.warehouse.factory.IDLE", IdleConnections())
    monkeypatch.setenv("AIRFLOW_CONN_XERO_WAREHOUSE_POOL_LIVE", json.dumps({
        "conn_type": "mssql", "host": target.host, "port": target.port, "login": target.user,
        "password": target.password, "schema": target.database}))

    def session_of(warehouse: SqlWarehouse) -> int:
        cursor = warehouse.connection.cursor()
        cursor.execute("SELECT @@SPID")
        return int(cursor.fetchone()[0])

    first = warehouse_for("xero_warehouse_pool_live", scratch.schema)
    first.ensure_tables([])
    with first.run_lock("invoices", TENANT, "scheduled__1", timedelta(0)):
        spid = session_of(first)
    first.close()
    second = warehouse_for("xero_warehouse_pool_live", scratch.schema)
    other = scratch.open()

    assert session_of(second) == spid  # the same session, no new login
    with other.run_lock("invoices", TENANT, "backfill__1", timedelta(0)):
        pass  # the first run's lock went with its end, not with its session
    second.close()
    other.close()
