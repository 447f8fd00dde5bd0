"""The webhook-event tests of ``test_webhook_events.py`` on a real SQL Server (Babelfish here),
in a scratch schema, when ``XERO_SYNC_TEST_MSSQL`` holds its URI (``test_mssql_live.py``)."""

from __future__ import annotations

import pytest

from tests.warehouse import test_webhook_events as events
from tests.warehouse.test_mssql_live import URI, scratch

pytestmark = pytest.mark.skipif(
    not URI, reason="no SQL Server here: set XERO_SYNC_TEST_MSSQL=mssql://user:pass@host:1433/db "
                    "to run the webhook-event tests on one")

__all__ = ["scratch"]  # the SQL Server scratch schema replaces SQLite's and PostgreSQL's
store = events.store

test_an_event_delivered_again_is_stored_once = events.test_an_event_delivered_again_is_stored_once
test_the_same_record_changed_twice_is_two_events = (
    events.test_the_same_record_changed_twice_is_two_events)
test_pending_events_per_organisation_and_category = (
    events.test_pending_events_per_organisation_and_category)
test_marking_by_key_marks_only_those_events = events.test_marking_by_key_marks_only_those_events
test_events_are_marked_processed_in_the_load_of_their_records = (
    events.test_events_are_marked_processed_in_the_load_of_their_records)
test_a_failed_load_leaves_its_events_pending = events.test_a_failed_load_leaves_its_events_pending
test_a_scheduled_run_settles_what_was_received_before_it_started = (
    events.test_a_scheduled_run_settles_what_was_received_before_it_started)
test_status_shows_the_age_of_the_oldest_pending_event = (
    events.test_status_shows_the_age_of_the_oldest_pending_event)
test_processed_events_are_pruned_after_their_retention = (
    events.test_processed_events_are_pruned_after_their_retention)
test_the_status_view_is_created_once = events.test_the_status_view_is_created_once
test_warehouses_keep_the_store_usable_across_connections = (
    events.test_warehouses_keep_the_store_usable_across_connections)
