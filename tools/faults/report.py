"""The figures of a fault-injection run: per trial and in total, as a table and as JSON.

The JSON is what a reviewer or CI keeps (default ``var/faults/faults.json``); the table is
what a person reads at the end of a run. Both say the numbers that matter, rows lost,
duplicated, falsely deleted and stuck, next to how hard the run tried to make them non-zero.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

from faults.plan import CampaignConfig
from faults.trial import TrialResult


@dataclass
class Report:
    """A whole run."""

    config: CampaignConfig
    trials: list[TrialResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Every trial finished and left the warehouse equal to the truth."""
        return bool(self.trials) and all(t.ok for t in self.trials)

    def summary(self) -> dict[str, Any]:
        """The totals."""
        trials = self.trials
        faults: Counter[str] = Counter()
        for trial in trials:
            faults.update(trial.faults)
        day = [t for t in trials if t.plan.kind == "day_limit"]
        return {
            "ok": self.ok,
            "trials": len(trials),
            "by_database": dict(Counter(t.plan.database for t in trials)),
            "by_kind": dict(Counter(_kind(t) for t in trials)),
            "faults_injected": dict(sorted(faults.items())),
            "faults_total": sum(faults.values()),
            "kills": sum(t.kills for t in trials),
            "kills_missed": sum(t.kill_missed for t in trials),
            "reruns": sum(t.reruns for t in trials),
            "day_limit_trials": len(day),
            "day_limit_429s": sum(t.day_429s for t in trials),
            "day_limit_next_run_completed": sum(bool(t.completed_next_run) for t in day),
            "token_refreshes": sum(t.token_refreshes for t in trials),
            "grace_refreshes": sum(t.grace_refreshes for t in trials),
            "api_calls": sum(t.calls for t in trials),
            "waits_recorded_seconds": round(sum(t.waited_seconds for t in trials), 1),
            "rows_compared": sum(t.tally.compared for t in trials),
            "rows_lost": sum(t.tally.lost for t in trials),
            "rows_duplicated": sum(t.tally.duplicated for t in trials),
            "rows_mismatched": sum(t.tally.mismatched for t in trials),
            "rows_extra": sum(t.tally.extra for t in trials),
            "rows_falsely_deleted": sum(t.tally.deleted for t in trials),
            "records_stuck": sum(t.tally.stuck for t in trials),
            "rows_retired": sum(t.tally.retired for t in trials),
            "failed_trials": [t.plan.number for t in trials if not t.ok],
            "wall_seconds": round(self.seconds, 1),
        }

    def as_json(self) -> dict[str, Any]:
        """Configuration, totals and every trial."""
        config = {k: str(v) if isinstance(v, Path) else v for k, v in asdict(self.config).items()}
        return {"config": config, "summary": self.summary(), "notes": self.notes,
                "trials": [trial_json(t) for t in self.trials]}

    def write(self, path: Path) -> None:
        """The JSON file, directories created as needed."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.as_json(), indent=2) + "\n")


def trial_json(trial: TrialResult) -> dict[str, Any]:
    """One trial, flat enough to read."""
    data = asdict(trial)
    data["ok"] = trial.ok
    return data


TRIAL_HEADER = (f"{'trial':>5} {'db':8} {'kind':21} {'rate':>5} {'faults':>6} {'kill':>4} "
                f"{'rerun':>5} {'compared':>8} {'lost':>4} {'dup':>4} {'secs':>6}  ok")


def trial_line(trial: TrialResult) -> str:
    """One line of the per-trial table."""
    plan, tally = trial.plan, trial.tally
    return (f"{plan.number:>5} {plan.database:8} {_kind(trial):21} {plan.fault_rate:>5.2f} "
            f"{sum(trial.faults.values()):>6} {trial.kills:>4} {trial.reruns:>5} "
            f"{tally.compared:>8} {tally.lost:>4} {tally.duplicated:>4} {trial.seconds:>6.1f}  "
            f"{'yes' if trial.ok else 'NO: ' + _why(trial)}")


def print_summary(report: Report, out: TextIO) -> None:
    """The totals as a two-column table."""
    s = report.summary()
    faults = ", ".join(f"{k} {v}" for k, v in s["faults_injected"].items()) or "none"
    rows = [
        ("trials", f"{s['trials']} ({_pairs(s['by_database'])}; {_pairs(s['by_kind'])})"),
        ("faults injected", f"{s['faults_total']} ({faults})"),
        ("day-limit trials", f"{s['day_limit_trials']}: {s['day_limit_429s']} day-limit 429s, "
                             f"next run completed {s['day_limit_next_run_completed']}/"
                             f"{s['day_limit_trials']}"),
        ("kills (SIGKILL)", f"{s['kills']} ({s['kills_missed']} runs ended before their kill "
                            "was due)"),
        ("reruns", str(s["reruns"])),
        ("token refreshes", f"{s['token_refreshes']} ({s['grace_refreshes']} in the grace "
                            "period after a lost answer)"),
        ("API calls", f"{s['api_calls']} (Retry-After and backoff waits recorded, not slept: "
                      f"{s['waits_recorded_seconds']} s in finished runs)"),
        ("rows compared", str(s["rows_compared"])),
        ("rows lost", str(s["rows_lost"])),
        ("rows duplicated", str(s["rows_duplicated"])),
        ("rows mismatched / extra", f"{s['rows_mismatched']} / {s['rows_extra']}"),
        ("rows falsely deleted", str(s["rows_falsely_deleted"])),
        ("records stuck", f"{s['records_stuck']} (in quarantine though Xero's record is good, "
                          "or hostile and neither quarantined nor kept)"),
        ("rows Xero hard-deleted", f"{s['rows_retired']} row-checks (kept; marked deleted by "
                                   "the next full snapshot)"),
        ("wall time", f"{s['wall_seconds']} s"),
        ("result", "PASS" if s["ok"] else f"FAIL (trials {s['failed_trials']})"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}", file=out)
    for note in report.notes:
        print(f"note: {note}", file=out)


def _kind(trial: TrialResult) -> str:
    return f"{'first load, ' if trial.plan.fresh else ''}{trial.plan.kind}".replace(
        "first load, incremental", "first load")


def _why(trial: TrialResult) -> str:
    if trial.error:
        return trial.error
    return "; ".join(trial.tally.problems[:2]) or "day limit not reached or next run failed"


def _pairs(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items())
