"""Mapping → DAG (design decision 8).

Top-level work is reading YAML and building objects: no network, no Variables, no ``now()``,
and no heavy imports (pandas, requests and the warehouse drivers load inside the tasks), so
parsing every DAG stays well under a second.

A broken mapping file breaks only its own DAG. Airflow records import errors per DAG file, and
all DAGs come from one file, so raising would make every DAG disappear. Instead the broken
file becomes a DAG of its own (``xero__<file stem>``, the id the object had) that shows the
validator's message in its docs and fails at once, with that message, whenever it runs.

Besides one DAG per mapping, one more: ``xero__reports`` (``build_reports_dag``), which
snapshots Xero's own reports and compares them with the warehouse's reporting layer. It is
not a mapping: it reads computed reports for chosen dates, not a list of records.

Each mapped sync task syncs a batch of organisations (``xero_sync.batches``: how many per
task, how many at once, the DAG's own order of them); its label in the UI names them.
"""

from __future__ import annotations

import copy
import functools
import itertools
import logging
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow.sdk import (
    DAG,
    Asset,
    AssetOrTimeSchedule,
    AssetWatcher,
    CronDataIntervalTimetable,
    Param,
    task,
)
from airflow.sdk.definitions.retry_policy import (
    ExceptionRetryPolicy,
    RetryAction,
    RetryDecision,
    RetryRule,
)

from xero_sync.batches import label as organisations_label
from xero_sync.errors import not_retryable
from xero_sync.mapping import BrokenMapping, MappingError, ObjectMapping, load_mapping_files

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from airflow.sdk.definitions.context import Context

POOL = "xero_api"
# Sync tasks running at once, over every DAG and organisation. Xero's own limits are kept by
# the rate limiter's shared ledger, not by the pool: size it for the workers (README: Scale out).
POOL_SLOTS = 5
START_DATE = datetime(2026, 1, 1)
WAREHOUSE_SCHEMA = "xero"
# A broken mapping's DAG fails on this schedule, so an object that was running keeps showing
# failed runs (and alerts) under its own id until the file is fixed.
BROKEN_SCHEDULE = "0 * * * *"


class RetryableAttributePolicy(ExceptionRetryPolicy):
    """Fails at once on every error class whose ``retryable`` is False (``errors.py`` is the
    one source of truth); anything else gets the task's retries.

    Retries are for infrastructure (a database restarting, Xero unavailable for longer than
    the client's own bounded retries). What a person must fix fails at once, with the fix in
    the log. The rule lists the classes exactly (``match_subclasses=False``: a retryable
    subclass of a class that is not stays retryable, and the reverse), and is derived again
    when a task fails: error classes of modules the DAG file does not import (the token
    store's, for one) are loaded by then. Airflow stores only that a policy exists; the worker
    evaluates this object from the parsed DAG file."""

    def __init__(self) -> None:
        super().__init__(rules=_fail_rules())

    def evaluate(self, exception: BaseException, try_number: int, max_tries: int,
                 context: Context | None = None) -> RetryDecision:
        """The decision, by the error classes loaded now."""
        self.rules = _fail_rules()
        return super().evaluate(exception, try_number, max_tries, context)


def _fail_rules() -> list[RetryRule]:
    return [RetryRule(exception=list(not_retryable()), action=RetryAction.FAIL,
                      match_subclasses=False,
                      reason="retrying cannot fix this (see the error message for what to do)")]


RETRY_POLICY = RetryableAttributePolicy()

PARAMS = {
    "full_refresh": Param(
        False, type="boolean", title="Full refresh",
        description="Ignore the watermark and read every record; rows Xero no longer returns "
                    "are marked is_deleted."),
    "modified_since": Param(
        None, type=["null", "string"], format="date-time", title="Modified since",
        description="Read records changed since this UTC time (ISO-8601) instead of since the "
                    "watermark. The watermark never moves back."),
    "tenant_ids": Param(
        None, type=["null", "array"], items={"type": "string"}, title="Tenant ids",
        description="Only these organisations (tenant ids); empty = every connected one."),
}
WEBHOOK_PARAMS = {  # objects with webhooks
    "webhook_events": Param(
        False, type="boolean", title="Webhook events only",
        description="Read only the records named by pending webhook events, by id (what a "
                    "run the events trigger does); the watermark stays where it is."),
}


REPORTS_DAG_ID = "xero__reports"
REPORTS_SCHEDULE = "30 5 * * *"  # daily, after the night's syncs (UTC)
REPORTS_PARAMS = {
    "dates": Param(
        None, type=["null", "array"], items={"type": "string", "format": "date"},
        title="Dates",
        description="Snapshot Xero's reports as at these dates (ISO, e.g. 2026-03-31); empty = "
                    "the last month end(s) (month_ends) and the run's day."),
    "month_ends": Param(
        1, type="integer", minimum=0, maximum=23, title="Month ends",
        description="Without dates: how many month ends before the run's day to snapshot, "
                    "besides the run's day."),
    "reports": Param(
        None, type=["null", "array"], items={"type": "string"}, title="Reports",
        description="Only these of TrialBalance, ProfitAndLoss, BalanceSheet, "
                    "AgedReceivablesByContact, AgedPayablesByContact; empty = all."),
    "aged_contacts": Param(
        50, type="integer", minimum=0, title="Aged contacts",
        description="Xero's aged reports cost a call per contact: at most this many contacts "
                    "with something due, per aged report and date."),
    "tenant_ids": PARAMS["tenant_ids"],
}


def build_dags(directory: Path | str, only: str | None = None) -> list[DAG]:
    """One DAG per mapping file in ``directory`` (good ones by name), ``xero__reports``, then
    the broken mappings' ones.

    With ``only``, the DAG of that id alone when it is one of them (all of them when it is
    not). Airflow parses the DAG file for one DAG when it runs one of its tasks (the parsing
    context, ``airflow.sdk.get_parsing_context``), and ``dag.test()`` re-parses and writes
    every DAG of the file on each call; building the others there is wasted work.
    """
    mappings, broken = load_mapping_files(directory)
    plans: list[tuple[str, Callable[[], DAG]]] = [
        (f"xero__{mapping.name}", functools.partial(build_dag, mapping, index))
        for index, mapping in enumerate(mappings)]  # "reports" is a reserved name: no clash
    plans.append((REPORTS_DAG_ID, functools.partial(build_reports_dag, len(plans))))
    taken = {dag_id for dag_id, _ in plans}
    for item in broken:
        log.error("mapping file unusable, its DAG fails until it is fixed: %s", item.error)
        dag_id = _broken_dag_id(item, taken)
        taken.add(dag_id)
        plans.append((dag_id, functools.partial(build_broken_dag, item, dag_id)))
    chosen = [build for dag_id, build in plans if dag_id == only] or [b for _, b in plans]
    return [build() for build in chosen]


def _broken_dag_id(item: BrokenMapping, taken: set[str]) -> str:
    """``xero__<stem>``: the id the object's DAG has when the file is good (its name is the
    stem); ``xero__<file name>`` when that is taken (``invoices.yml`` beside ``invoices.yaml``);
    never an id already taken, which would fail the whole DAG file."""
    stem, name = (f"xero__{re.sub(r'[^A-Za-z0-9_.-]', '_', label)}"
                  for label in (item.path.stem, item.path.name))
    candidates = itertools.chain((stem, name), (f"{name}_{n}" for n in itertools.count(2)))
    return next(dag_id for dag_id in candidates if dag_id not in taken)


def assets_for(mapping: ObjectMapping) -> list[Asset]:
    """One Asset per warehouse table, so downstream DAGs can be data-aware."""
    tables = [mapping.table] + [child.table for child in mapping.all_children()]
    return [Asset(name=f"xero_warehouse.{WAREHOUSE_SCHEMA}.{table}",
                  uri=f"xero-warehouse://{WAREHOUSE_SCHEMA}/{table}") for table in tables]


def webhook_asset(mapping: ObjectMapping) -> Asset:
    """The asset whose events run an object's DAG when Xero's webhooks say records changed.

    Its ``AssetWatcher`` runs ``PendingWebhookEvents`` in Airflow's triggerer, watching the
    events the receiver stored (``xero_sync.webhooks``): Airflow's own event-driven
    scheduling, with no Airflow credentials in the receiver and nothing lost while Airflow is
    down (the events wait in the warehouse)."""
    from xero_sync.webhooks.trigger import PendingWebhookEvents

    category = str(mapping.webhooks)
    return Asset(name=f"xero_webhooks.{mapping.name}",
                 uri=f"xero-webhooks://{WAREHOUSE_SCHEMA}/{category.lower()}",
                 watchers=[AssetWatcher(name=f"xero_webhooks_{mapping.name}",
                                        trigger=PendingWebhookEvents(category=category))])


def schedule_for(mapping: ObjectMapping) -> CronDataIntervalTimetable | AssetOrTimeSchedule:
    """The mapping's cron; for an object with webhooks, that cron or its webhook asset."""
    cron = CronDataIntervalTimetable(mapping.schedule, timezone="UTC")
    if not mapping.webhooks:
        return cron
    return AssetOrTimeSchedule(timetable=cron, assets=[webhook_asset(mapping)])


def build_dag(mapping: ObjectMapping, dag_index: int = 0) -> DAG:
    """The DAG of one Xero object: resolve tenants → sync (mapped per batch of organisations,
    pool xero_api). ``dag_index`` (the mapping's place among all) sets where its list of
    organisations starts (``batches.spread``)."""
    params = {**PARAMS, **(WEBHOOK_PARAMS if mapping.webhooks else {})}
    with DAG(
        dag_id=f"xero__{mapping.name}",
        description=mapping.description.split(".")[0][:200],
        doc_md=_doc(mapping),
        schedule=schedule_for(mapping),
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        tags=["xero", mapping.api, mapping.strategy],
        user_defined_filters={"organisations_label": organisations_label},
        params=copy.deepcopy(params),  # Params are mutable: a value set on one DAG stays there
        default_args={"owner": "xero-sync", "retries": 3,
                      "retry_delay": timedelta(minutes=2), "retry_exponential_backoff": 2.0},
    ) as dag:
        _tasks(mapping, dag_index)
    return dag


def _tasks(mapping: ObjectMapping, dag_index: int) -> None:
    @task(task_id="resolve_tenants", retry_policy=RETRY_POLICY)
    def resolve_tenants(**context: Any) -> list[list[dict[str, str]]]:
        """The organisations to sync in this run (in a webhook run: with pending events),
        named, in batches: one per sync task."""
        from xero_sync.tasks import resolve_run_batches

        return resolve_run_batches(mapping, context, dag_index)

    @task(task_id="sync", pool=POOL, outlets=assets_for(mapping), retry_policy=RETRY_POLICY,
          map_index_template="{{ task.op_kwargs['organisations'] | organisations_label }}")
    def sync(organisations: list[dict[str, str]], **context: Any) -> list[dict[str, Any]]:
        """Extract, transform and load this object for a batch of organisations."""
        from xero_sync.tasks import sync_organisations

        return sync_organisations(mapping, organisations, context)

    sync.expand(organisations=resolve_tenants())


def build_reports_dag(dag_index: int = 0) -> DAG:
    """``xero__reports``: resolve tenants → snapshot Xero's reports (mapped per batch of
    organisations, pool xero_api) → check them against the reporting layer."""
    with DAG(
        dag_id=REPORTS_DAG_ID,
        description="Snapshot Xero's own reports and compare them with the reporting layer",
        doc_md=REPORTS_DOC,
        schedule=CronDataIntervalTimetable(REPORTS_SCHEDULE, timezone="UTC"),
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        tags=["xero", "accounting", "reports"],
        user_defined_filters={"organisations_label": organisations_label},
        params=copy.deepcopy(REPORTS_PARAMS),
        default_args={"owner": "xero-sync", "retries": 3,
                      "retry_delay": timedelta(minutes=2), "retry_exponential_backoff": 2.0},
    ) as dag:
        _report_tasks(dag_index)
    return dag


def _report_tasks(dag_index: int) -> None:
    @task(task_id="resolve_tenants", retry_policy=RETRY_POLICY)
    def resolve_tenants(**context: Any) -> list[list[dict[str, str]]]:
        """The organisations whose reports this run snapshots, in batches."""
        from xero_sync.batches import batches, organisations_per_task, spread
        from xero_sync.tasks import resolve_organisations

        requested = (context.get("params") or {}).get("tenant_ids")
        ordered = spread(resolve_organisations(requested), dag_index)
        return [[o.to_xcom() for o in batch]
                for batch in batches(ordered, organisations_per_task())]

    @task(task_id="snapshot", pool=POOL, retry_policy=RETRY_POLICY,
          outlets=[Asset(name=f"xero_warehouse.{WAREHOUSE_SCHEMA}.{table}",
                         uri=f"xero-warehouse://{WAREHOUSE_SCHEMA}/{table}")
                   for table in ("report_snapshots", "report_snapshot_lines")],
          map_index_template="{{ task.op_kwargs['organisations'] | organisations_label }}")
    def snapshot(organisations: list[dict[str, str]], **context: Any) -> list[dict[str, Any]]:
        """Read Xero's reports for the run's dates and store them."""
        from xero_sync.report_snapshots import snapshot_organisations

        return snapshot_organisations(organisations, context)

    @task(task_id="check", retry_policy=RETRY_POLICY)
    def check(batches: Any, **context: Any) -> dict[str, Any]:
        """Compare the snapshots with the reporting layer; fail on any difference."""
        from xero_sync.report_snapshots import check_organisations

        return check_organisations(batches, context)

    organisations = resolve_tenants()
    snapshot.expand(organisations=organisations) >> check(organisations)


REPORTS_DOC = """### Xero's own reports

Snapshots Xero's trial balance, balance sheet, P&L for the month and aged receivables and
payables (per contact with something due) as at chosen dates (param `dates`; by default the
last month end and the run's day) into `xero.report_snapshots` and
`xero.report_snapshot_lines`, replacing an earlier snapshot of the same report and date.
Then `check` compares them with the reporting layer, logs every difference and fails when
there is any. Needs only the reports scope (no Journals). Built by
`xero_sync.dag_factory.build_reports_dag`, not a mapping file."""


def build_broken_dag(item: BrokenMapping, dag_id: str) -> DAG:
    """A stand-in for an unusable mapping file: its docs and its one task show why."""
    message = str(item.error)
    with DAG(
        dag_id=dag_id,
        description=f"BROKEN: mapping file {item.path.name} cannot be used; see the docs"[:200],
        doc_md=(f"### Broken mapping file `{item.path.name}`\n\nThis object is not syncing: "
                f"its mapping file cannot be used.\n\n```\n{message}\n```\n\nFix the file; "
                "this DAG becomes the object's DAG again when Airflow next parses it. Every "
                "other object keeps syncing."),
        schedule=CronDataIntervalTimetable(BROKEN_SCHEDULE, timezone="UTC"),
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        tags=["xero", "broken-mapping"],
        default_args={"owner": "xero-sync", "retries": 0},
    ) as dag:
        _broken_task(message)
    return dag


def _broken_task(message: str) -> None:
    @task(task_id="mapping_error", retry_policy=RETRY_POLICY)
    def mapping_error() -> None:
        """Fail at once: retrying cannot help until the file is fixed."""
        raise MappingError(message)

    mapping_error()


def _doc(mapping: ObjectMapping) -> str:
    children = "".join(f"\n- `{WAREHOUSE_SCHEMA}.{c.table}` (from `{c.source}`)"
                       for c in mapping.all_children())
    reconcile = (f"\n\nFull reconciliation: `{mapping.reconcile_schedule}` (UTC)."
                 if mapping.reconcile_schedule else "")
    if mapping.webhooks:
        reconcile += (f"\n\nAlso runs when Xero's {mapping.webhooks} webhook events arrive "
                      "(asset `xero_webhooks." + mapping.name + "`): such a run reads the "
                      "changed records by id; counts in `_webhook_status`.")
    return (f"### Xero {mapping.resource}\n\n{mapping.description}\n\n"
            f"- Strategy: `{mapping.strategy}`; schedule `{mapping.schedule}` (UTC)\n"
            f"- Table: `{WAREHOUSE_SCHEMA}.{mapping.table}`, key "
            f"`(tenant_id, {mapping.key_column})`{children}{reconcile}\n\n"
            f"Mapping file: `include/mappings/{mapping.name}.yaml`.")
