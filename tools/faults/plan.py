"""What each trial of a fault-injection run does, drawn from the run's seed before it starts.

A run is a sequence of cycles; each cycle is a fresh warehouse (SQLite, or a scratch
PostgreSQL database) and a few trials against it: the first loads everything, later ones are
incremental after the organisations changed, some are full refreshes (hard-deleted rows must
then be marked deleted) and some hit the day limit mid-run. Everything random about a trial
(fault mix and rate, kill moment, page size, commit interval, task order, activity) comes from
``random.Random(f"{seed}-{trial}")``, so the same seed plans the same trials; only where a
kill lands in wall-clock terms varies with the machine's speed.

Every other trial after a cycle's first is one of the failure classes of issue 10
(``ISSUE10_KINDS``, in turn; ``faults.scenarios`` says what each does): a same-second burst
split by commits, a late edit at the edge of the overlap window, a hostile record
quarantined then fixed, malformed answers, a future-dated record and its correction, and
runs of the same object and organisation at once (a backfill beside a scheduled run, a full
snapshot beside an incremental one). ``kinds`` narrows a run to some kinds (the mutation
check does).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

DATABASES = ("sqlite", "postgres", "mssql", "mixed")  # mssql: XERO_SYNC_TEST_MSSQL's server
BASE_KINDS = ("incremental", "full_refresh", "day_limit")
ISSUE10_KINDS = ("burst", "late_edit", "hostile", "malformed", "future_record",
                 "future_correction", "backfill_overlap", "snapshot_overlap")
KINDS = BASE_KINDS + ISSUE10_KINDS
# Shares of the injected faults; day-limit 429s only come from the dedicated trials.
API_FAULTS = {"429_minute": 0.30, "500": 0.20, "503": 0.20, "drop": 0.22, "slow": 0.08}
TOKEN_FAULTS = {"500": 0.35, "503": 0.35, "drop": 0.30}
# Malformed trials: half the faults are answers a glitching Xero or proxy gives (the sandbox's
# ``malformed`` kinds): bodies that are not the envelope, and servers ignoring paging.
MALFORMED_FAULTS = ("empty", "truncated", "html_as_json", "maintenance", "xml", "list_body",
                    "no_collection", "null_collection", "ignore_page", "ignore_offset")
MALFORMED_MIX = {**{kind: share / 2 for kind, share in API_FAULTS.items()},
                 **{kind: 0.5 / len(MALFORMED_FAULTS) for kind in MALFORMED_FAULTS}}
PAGE_SIZES = (10, 25, 100, 1000)  # small pages: more pages, intermediate commits, more kills
COMMIT_EVERY = (1, 2, 5)
PRODUCTION_OVERLAP = 300.0  # seconds: sync.DEFAULT_OVERLAP
# Burst trials: small pages committed one by one, so a same-second burst spans commits. The
# overlap stays the production one: a watermark stores Xero's clock plus a skew no larger than
# the overlap of the run that wrote it, so runs of one warehouse must share one overlap (a run
# with none after one with five minutes would skip up to five minutes of changes).
BURST_PAGE_SIZE, BURST_COMMIT_EVERY = 10, 1


@dataclass(frozen=True)
class CampaignConfig:
    """A run's parameters (the command line's options)."""

    trials: int = 100
    seed: int = 1
    database: str = "mixed"
    postgres_share: float = 0.25  # of the cycles, when database is mixed
    trials_per_cycle: int = 10
    scale: int = 60  # invoices per organisation at the start
    tenants: int = 2
    min_rate: float = 0.10
    max_rate: float = 0.20
    full_refresh_share: float = 0.15
    day_limit_every: int = 20  # every Nth trial hits the day limit; 0: never
    slow_delay: float = 0.3  # seconds a slow response takes
    output: Path = Path("var/faults/faults.json")
    workdir: Path | None = None  # default: a fresh directory under var/faults/work
    kinds: tuple[str, ...] = ()  # these kinds in turn after each cycle's first load; () = the mix
    objects: tuple[str, ...] = ()  # only these mappings; () = every mapping


@dataclass(frozen=True)
class TrialPlan:
    """One trial, decided before the run starts."""

    number: int  # from 1
    cycle: int  # from 0
    database: str  # sqlite | postgres | mssql
    fresh: bool  # the first trial of its warehouse: everything is loaded
    kind: str  # incremental | full_refresh | day_limit
    fault_rate: float  # share of API calls that fail
    kill_fraction: float  # when to kill, as a share of the expected run time
    page_size: int
    commit_every: int
    activity: int  # intensity of the organisations' activity before the trial (0: none)
    new_run_id_on_rerun: bool  # a new DAG run (True) or a retry of the same run (False)
    order_seed: int  # shuffles the (object, organisation) tasks
    day_budget: int  # calls per organisation before the day limit (day_limit trials)
    overlap_seconds: float = PRODUCTION_OVERLAP  # the sync's overlap
    variant: int = 0  # which hostile record, which run a pair kills, and similar choices


def plan_campaign(config: CampaignConfig) -> list[TrialPlan]:
    """Every trial of the run, in order."""
    return [plan_trial(config, number) for number in range(1, config.trials + 1)]


def plan_trial(config: CampaignConfig, number: int) -> TrialPlan:
    """Trial ``number`` (from 1), from the run's seed alone."""
    draw = random.Random(f"{config.seed}-{number}")  # noqa: S311 - repeatable, not secret
    cycle = (number - 1) // config.trials_per_cycle
    fresh = (number - 1) % config.trials_per_cycle == 0
    plan = TrialPlan(
        number=number, cycle=cycle, database=cycle_database(config, cycle), fresh=fresh,
        kind=_kind(config, number, fresh, draw),
        fault_rate=round(draw.uniform(config.min_rate, config.max_rate), 3),
        kill_fraction=round(draw.uniform(0.05, 0.95), 3),
        page_size=draw.choice(PAGE_SIZES), commit_every=draw.choice(COMMIT_EVERY),
        activity=0 if number == 1 else draw.randint(2, 8),
        new_run_id_on_rerun=draw.random() < 0.5, order_seed=draw.randrange(2**31),
        day_budget=draw.randint(4, 20),
    )
    variant = draw.randrange(2**16)
    if plan.kind == "burst":
        return replace(plan, page_size=BURST_PAGE_SIZE, commit_every=BURST_COMMIT_EVERY,
                       variant=variant)
    return replace(plan, variant=variant)


def cycle_database(config: CampaignConfig, cycle: int) -> str:
    """SQLite or PostgreSQL for a cycle; mixed spreads the PostgreSQL share evenly."""
    if config.database != "mixed":
        return config.database
    share = config.postgres_share
    return "postgres" if math.floor((cycle + 1) * share) > math.floor(cycle * share) else "sqlite"


def _kind(config: CampaignConfig, number: int, fresh: bool, draw: random.Random) -> str:
    if config.kinds:
        if fresh:
            return "incremental"  # the first load of a warehouse: everything is read
        cycle = (number - 1) // config.trials_per_cycle
        earlier = number - 2 - cycle  # trials before this one that were not a first load
        return config.kinds[earlier % len(config.kinds)]
    if config.day_limit_every and number % config.day_limit_every == 0:
        return "day_limit"
    if _issue10_slot(config, number):  # every other trial: the issue-10 kinds in turn
        earlier = sum(_issue10_slot(config, n) for n in range(1, number))
        return ISSUE10_KINDS[earlier % len(ISSUE10_KINDS)]
    if not fresh and draw.random() < config.full_refresh_share:
        return "full_refresh"
    return "incremental"


def _issue10_slot(config: CampaignConfig, number: int) -> bool:
    """Odd trials after a cycle's first load (day-limit trials excepted) take issue 10's
    kinds."""
    fresh = (number - 1) % config.trials_per_cycle == 0
    day_limit = bool(config.day_limit_every) and number % config.day_limit_every == 0
    return not fresh and not day_limit and number % 2 == 1


def fault_rules(plan: TrialPlan, slow_delay: float) -> list[dict[str, Any]]:
    """The sandbox's fault rules for a trial: ``fault_rate`` of the calls fail, in the mix
    (in malformed trials, half of them with the answers of ``MALFORMED_FAULTS``).

    The sandbox tries its rules in order and the first that fires wins, so each rule's rate
    is conditional on the earlier ones not firing; this makes the shares exact.
    """
    shares = MALFORMED_MIX if plan.kind == "malformed" else API_FAULTS
    rules = _sequential(shares, plan.fault_rate, "api")
    for rule in rules:
        if rule["kind"] == "slow":
            rule["delay"] = slow_delay
    return rules + _sequential(TOKEN_FAULTS, plan.fault_rate, "token")


def _sequential(shares: dict[str, float], rate: float, target: str) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    taken = 0.0
    for kind, share in shares.items():
        wanted = rate * share
        rules.append({"kind": kind, "rate": round(wanted / (1.0 - taken), 6), "target": target})
        taken += wanted
    return rules
