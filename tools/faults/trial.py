"""One trial of the fault-injection suite: faults on, sync, SIGKILL, rerun, compare.

The sandbox runs in this process; every sync runs in a child process (``faults.worker``) that
may be killed at any moment. A trial:

1. lets the organisations change (``POST /_sandbox/activity``), so incremental runs have work;
2. turns on the trial's faults (minute 429s, 500s, 503s, dropped connections, slow answers
   on the API; 500s, 503s and dropped answers on the token endpoint);
3. starts the sync and SIGKILLs it after a delay drawn from the trial's seed, then reruns it
   (faults still on, no kill) until a run finishes with every task done; or, in a day-limit
   trial, lets the day limit stop the run, moves the sandbox's clock a day and reruns;
4. turns the faults off and compares the warehouse with the truth (``faults.compare``).

The sandbox's own minute and day limits are raised out of the way (a run makes more calls a
minute than Xero would allow one organisation, since no wait is slept), except in day-limit
trials, where the day limit is set to a few calls so that it is reached mid-run.
"""

from __future__ import annotations

import logging
import multiprocessing
import random
import time
import uuid
from dataclasses import dataclass, field, replace
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from cryptography.fernet import Fernet

from faults.compare import Deployment, Expectation, Ledger, Tally, compare
from faults.plan import CampaignConfig, TrialPlan, fault_rules
from faults.scenarios import SCENARIOS, Trial
from faults.worker import MAPPINGS, WorkerJob, WorkerResult, run_job
from xero_sandbox.server import Sandbox
from xero_sync.auth.crypto import TokenCipher
from xero_sync.auth.oauth import OAuthClient
from xero_sync.auth.token_store import token_store
from xero_sync.mapping import ObjectMapping
from xero_sync.scopes import EVERY_OBJECT
from xero_sync.settings import XeroSettings
from xero_sync.warehouse.base import DEFAULT_SCHEMA
from xero_sync.warehouse.dbapi import WarehouseTarget

log = logging.getLogger(__name__)

DAY = 86_400
OUT_OF_THE_WAY = {"per_minute": 1_000_000, "per_day": 100_000_000, "app_per_minute": 1_000_000}
# With the token manager's 5-minute margin a token is refreshed every ~10 s, so refreshes
# happen during trials and some are killed half-way (the lost-response case of decision 1).
TOKEN_TTL = 310
KILL_ATTEMPTS = 3  # runs that may finish before their kill is due, before giving up on it
MAX_RUNS = 10  # a trial whose sync cannot finish in this many runs has failed
RUN_TIMEOUT = 600.0
FIRST_GUESS_SECONDS = 3.0  # expected run time before one has been measured
REDIRECT_URI = "http://localhost:8799/callback"


@dataclass
class Scratch:
    """A cycle's warehouse: where the worker writes and where the comparison reads."""

    target: WarehouseTarget
    deployment: Deployment


@dataclass
class RunOutcome:
    """One sync process."""

    exitcode: int | None
    killed: bool
    result: WorkerResult | None
    seconds: float

    @property
    def finished(self) -> bool:
        """Every task ran and succeeded."""
        return self.exitcode == 0 and self.result is not None


@dataclass
class TrialResult:
    """What a trial did and what the comparison found."""

    plan: TrialPlan
    faults: dict[str, int] = field(default_factory=dict)  # injected, by kind
    day_429s: int = 0
    token_refreshes: int = 0
    grace_refreshes: int = 0  # refreshes that reused a token whose answer was lost
    kills: int = 0
    kill_missed: int = 0  # runs that ended before their kill was due
    runs: int = 0
    reruns: int = 0
    day_limited_tasks: int = 0
    completed_next_run: bool | None = None  # day-limit trials: the run a day later finished
    calls: int = 0  # API calls that reached the sandbox, killed runs' included
    waited_seconds: float = 0.0  # waits the finished runs recorded instead of sleeping
    tally: Tally = field(default_factory=Tally)
    seconds: float = 0.0
    error: str | None = None

    @property
    def ok(self) -> bool:
        """The sync finished and the warehouse equals the truth."""
        day_ok = self.plan.kind != "day_limit" or bool(
            self.day_limited_tasks and self.completed_next_run)
        return self.error is None and self.tally.clean and day_ok


class Admin:
    """The sandbox's admin API, as any client would call it."""

    def __init__(self, url: str) -> None:
        self.url = url

    def call(self, method: str, name: str, body: dict[str, Any] | None = None) -> Any:
        """One admin call; its JSON answer."""
        reply = requests.request(method, f"{self.url}/_sandbox/{name}", json=body, timeout=60)
        reply.raise_for_status()
        return reply.json()

    def clock_offset(self) -> float:
        """How far the sandbox's clock runs ahead of real time."""
        return float(self.call("GET", "clock")["offset_seconds"])


class Runner:
    """Runs trials against one sandbox, syncing in killable child processes."""

    def __init__(self, sandbox: Sandbox, config: CampaignConfig, workdir: Path) -> None:
        self.sandbox = sandbox
        self.config = config
        self.workdir = workdir
        self.admin = Admin(sandbox.url)
        self.fernet_key = Fernet.generate_key().decode()
        self.context = _worker_context()
        _quiet_about_killed_clients(sandbox)
        self.expected: dict[tuple[bool, str], float] = {}
        self.mappings = chosen_mappings(config.objects)
        for name in ("logs", "results"):
            (workdir / name).mkdir(parents=True, exist_ok=True)

    def prepare(self) -> None:
        """Limits out of the way; short-lived access tokens."""
        self.admin.call("POST", "limits", OUT_OF_THE_WAY)
        self.admin.call("POST", "config", {"access_token_ttl": TOKEN_TTL})

    def authorize(self, scratch: Scratch) -> None:
        """Connect the sandbox app to a cycle's warehouse, as the authorize command would."""
        authorize(sandbox_settings(self.sandbox), scratch.target, self.fernet_key)

    def run_trial(self, plan: TrialPlan, scratch: Scratch, ledger: Ledger) -> TrialResult:
        """One trial, start to comparison."""
        started = time.monotonic()
        record = TrialResult(plan)
        if plan.activity:
            self.admin.call("POST", "activity", {"intensity": plan.activity})
        before = self.admin.call("GET", "stats")
        try:
            scenario = SCENARIOS.get(plan.kind)
            if scenario is not None:
                record.tally = scenario(Trial(self, plan, scratch, record, ledger))
            else:
                self._base_trial(plan, scratch, record, ledger)
        finally:
            self.faults_off()
        _count_stats(record, before, self.admin.call("GET", "stats"))
        record.seconds = round(time.monotonic() - started, 2)
        return record

    def _base_trial(self, plan: TrialPlan, scratch: Scratch, record: TrialResult,
                    ledger: Ledger) -> None:
        """Incremental, full-refresh and day-limit trials: faults on, the runs, faults off,
        the comparison."""
        self.faults_on(plan)
        if plan.kind == "day_limit":
            self._day_limit(plan, scratch, record)
        else:
            self.kill_then_rerun(plan, scratch, record,
                                 full_refresh=plan.kind == "full_refresh")
        self.faults_off()
        expect = Expectation(snapshot=plan.kind == "full_refresh",
                             blind_spots=plan.fresh or plan.kind == "full_refresh")
        record.tally = self.compare(scratch, ledger, expect)

    def faults_on(self, plan: TrialPlan) -> None:
        """The trial's fault rules (``faults_plan.fault_rules``)."""
        self.admin.call("POST", "faults", {"rules": fault_rules(plan, self.config.slow_delay)})

    def faults_off(self) -> None:
        """No more injected faults."""
        self.admin.call("DELETE", "faults")

    def compare(self, scratch: Scratch, ledger: Ledger, expect: Expectation) -> Tally:
        """The warehouse against the truth, for the run's objects."""
        return compare(self.sandbox, scratch.deployment, self.mappings, ledger, expect)

    # -- the runs of a trial ----------------------------------------------------------------

    def kill_then_rerun(self, plan: TrialPlan, scratch: Scratch, record: TrialResult,
                        **job: Any) -> None:
        """SIGKILL a run after the drawn share of the expected run time (a run that finishes
        first has taught the expected time: the next one is killed); then rerun until a run
        finishes. ``job`` changes the worker's job (``WorkerJob`` fields)."""
        for _ in range(KILL_ATTEMPTS):
            delay = plan.kill_fraction * self._expected_seconds(plan)
            if self._run(plan, scratch, record, kill_after=delay, **job).killed:
                record.kills += 1
                break
            record.kill_missed += 1
        self.rerun_until_done(plan, scratch, record, **job)

    def _day_limit(self, plan: TrialPlan, scratch: Scratch, record: TrialResult) -> None:
        """A fresh day with a budget of a few calls: the run stops mid-way; a day later, with
        the budget back, the next run must finish."""
        self.admin.call("POST", "clock", {"seconds": DAY})  # yesterday's calls leave the window
        self.admin.call("POST", "limits", {"per_day": plan.day_budget})
        try:
            stopped = self._run(plan, scratch, record)
        finally:
            self.admin.call("POST", "clock", {"seconds": DAY})
            self.admin.call("POST", "limits", OUT_OF_THE_WAY)
        record.day_limited_tasks = stopped.result.day_limited if stopped.result else 0
        if record.day_limited_tasks == 0:
            record.error = "the day limit was never reached: the budget is too large"
        record.completed_next_run = self.rerun_until_done(plan, scratch, record)

    def rerun_until_done(self, plan: TrialPlan, scratch: Scratch, record: TrialResult,
                         **job: Any) -> bool:
        """Run without a kill until every task has succeeded; after a run that finished with
        failed tasks only those run again (as Airflow retries a failed task, not its DAG run);
        whether the first rerun finished everything."""
        tasks: tuple[tuple[str, str], ...] | None = None
        for attempt in range(MAX_RUNS):
            outcome = self._run(plan, scratch, record, tasks=tasks, **job)
            record.reruns += 1
            if outcome.finished:
                return attempt == 0
            if outcome.result is not None and not outcome.killed:
                tasks = tuple((f["mapping"], f["tenant"]) for f in outcome.result.failures)
        record.error = f"the sync did not finish in {MAX_RUNS} reruns; see {self.workdir}/logs"
        return False

    def _run(self, plan: TrialPlan, scratch: Scratch, record: TrialResult,
             kill_after: float | None = None, **changes: Any) -> RunOutcome:
        """One sync process; SIGKILLed after ``kill_after`` seconds if still running."""
        record.runs += 1
        job = self.job(plan, scratch, record.runs, **changes)
        started = time.monotonic()
        process = self.start(job)
        process.join(RUN_TIMEOUT if kill_after is None else kill_after)
        return self.finish(plan, record, job, process, started, kill_after)

    def start(self, job: WorkerJob) -> BaseProcess:
        """A sync process for ``job``, started."""
        process = self.context.Process(target=run_job, args=(job,), daemon=True)
        process.start()
        return process

    def finish(self, plan: TrialPlan, record: TrialResult, job: WorkerJob,
               process: BaseProcess, started: float,
               kill_after: float | None = None) -> RunOutcome:
        """After its join: SIGKILL the process if still running; what it did."""
        killed = process.is_alive()
        if killed:
            process.kill()  # SIGKILL: no cleanup, no rollback, no goodbye
        process.join()
        outcome = RunOutcome(process.exitcode, killed and kill_after is not None,
                             WorkerResult.read(Path(job.result_path)),
                             time.monotonic() - started)
        if killed and kill_after is None:
            record.error = f"run {record.runs} hung for {RUN_TIMEOUT:.0f} s and was killed"
        if outcome.result is not None:
            record.waited_seconds += outcome.result.waited_seconds
        if outcome.finished and len(job.tasks) == len(self.all_tasks()):
            self.expected[self._speed_key(plan)] = outcome.seconds
        return outcome

    def all_tasks(self) -> list[tuple[str, str]]:
        """Every (mapping, organisation) of the run's objects."""
        return [(m.name, tenant) for m in self.mappings
                for tenant in self.sandbox.state.tenant_names]

    def job(self, plan: TrialPlan, scratch: Scratch, run: int, **changes: Any) -> WorkerJob:
        """The worker's job for run ``run`` of a trial (every task in the trial's order unless
        ``changes`` say otherwise)."""
        tasks = self.all_tasks()
        random.Random(plan.order_seed).shuffle(tasks)  # noqa: S311 - an order, not a secret
        run_id = f"faults-{self.config.seed}-{plan.number:03d}"
        if plan.new_run_id_on_rerun and run > 1:
            run_id = f"{run_id}-{run}"
        stem = f"trial-{plan.number:03d}-run-{run}"
        settings = sandbox_settings(self.sandbox)
        job = WorkerJob(
            sandbox_url=self.sandbox.url, client_id=settings.client_id,
            client_secret=settings.client_secret, fernet_key=self.fernet_key,
            target=scratch.target, run_id=run_id, tasks=tuple(tasks),
            result_path=str(self.workdir / "results" / f"{stem}.json"),
            log_path=str(self.workdir / "logs" / f"{stem}.log"),
            full_refresh=plan.kind == "full_refresh", page_size=plan.page_size,
            commit_every=plan.commit_every, clock_offset=self.admin.clock_offset(),
            overlap_seconds=plan.overlap_seconds)
        if changes.get("tasks") is None:
            changes.pop("tasks", None)
        if "run_suffix" in changes:
            changes["run_id"] = f"{job.run_id}-{changes.pop('run_suffix')}"
        return replace(job, **changes)

    def expected_seconds(self, plan: TrialPlan) -> float:
        """How long a run of the trial's sort is expected to take."""
        return self._expected_seconds(plan)

    def _expected_seconds(self, plan: TrialPlan) -> float:
        """The last finished run of the same sort; else of any sort; else a first guess."""
        measured = self.expected.get(self._speed_key(plan))
        if measured is None and self.expected:
            measured = max(self.expected.values())
        return measured or FIRST_GUESS_SECONDS

    @staticmethod
    def _speed_key(plan: TrialPlan) -> tuple[bool, str]:
        """Runs of a fresh warehouse and full refreshes take longer than incremental ones."""
        return plan.fresh, plan.kind


def chosen_mappings(objects: tuple[str, ...]) -> list[ObjectMapping]:
    """The mappings a run syncs: every one, or those named (unknown names refused)."""
    if not objects:
        return list(MAPPINGS.values())
    unknown = [name for name in objects if name not in MAPPINGS]
    if unknown:
        raise SystemExit(f"unknown object {unknown[0]!r}: use mapping names such as "
                         f"{', '.join(sorted(MAPPINGS)[:4])}")
    return [MAPPINGS[name] for name in objects]


def sandbox_settings(sandbox: Sandbox) -> XeroSettings:
    """The app's settings pointed at the sandbox (the only difference from Xero)."""
    config, url = sandbox.state.config, sandbox.url
    return XeroSettings(config.client_id, config.client_secret, api_url=url, identity_url=url,
                        login_url=url, scopes=EVERY_OBJECT)


def authorize(settings: XeroSettings, target: WarehouseTarget, fernet_key: str) -> None:
    """What the authorize command does, headless (the sandbox consents on the user's behalf):
    consent, code, first token pair, saved encrypted in the warehouse's token store."""
    params = {"response_type": "code", "client_id": settings.client_id,
              "redirect_uri": REDIRECT_URI, "scope": " ".join(settings.scopes),
              "state": "faults"}
    reply = requests.get(settings.authorize_url, params=params, allow_redirects=False,
                         timeout=30)
    reply.raise_for_status()
    code = parse_qs(urlsplit(reply.headers["Location"]).query)["code"][0]
    store = token_store(target, TokenCipher(fernet_key), DEFAULT_SCHEMA)
    store.ensure_table()
    store.save(settings.client_id, OAuthClient(settings).exchange_code(code, REDIRECT_URI))


def _count_stats(record: TrialResult, before: dict[str, Any], after: dict[str, Any]) -> None:
    """This trial's share of the sandbox's counters."""
    injected_before = before["faults_injected"]
    record.faults = {kind: count - injected_before.get(kind, 0)
                     for kind, count in sorted(after["faults_injected"].items())
                     if count - injected_before.get(kind, 0)}
    record.day_429s = (after["rate_limited"].get("day", 0)
                       - before["rate_limited"].get("day", 0))
    record.calls = after["calls_total"] - before["calls_total"]
    record.token_refreshes = after["tokens"]["refreshed"] - before["tokens"]["refreshed"]
    record.grace_refreshes = (after["tokens"]["grace_refreshes"]
                              - before["tokens"]["grace_refreshes"])


def _quiet_about_killed_clients(sandbox: Sandbox) -> None:
    """A SIGKILLed worker resets its connection, and socketserver prints the traceback of every
    reset to stderr: expected here a hundred times over, so logged at debug level instead."""
    def handle_error(request: Any, client_address: Any) -> None:
        log.debug("sandbox connection from %s ended abruptly", client_address, exc_info=True)

    sandbox._server.handle_error = handle_error  # type: ignore[method-assign]


def _worker_context() -> ForkServerContext:
    """Forkserver with the worker preloaded: each sync process starts in milliseconds, from a
    single-threaded parent (this process runs the sandbox's threads, so it must not fork)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["faults.worker"])
    return context


def scratch_name() -> str:
    """A PostgreSQL database name no one else uses."""
    return f"xero_faults_{uuid.uuid4().hex[:10]}"
