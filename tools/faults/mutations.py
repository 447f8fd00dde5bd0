"""Mutation check (issue 10, point 16): the fault suite must fail on deliberately broken code.

    PYTHONPATH=plugins:tools .venv/bin/python -m faults.mutations        # make mutations

Each mutation is a small, plausible bug in one of the mechanisms that keep records from being
lost or falsely deleted. The check copies the package (``plugins/xero_sync``) into a
temporary directory, applies one mutation to the copy, and runs the fault suite's trials that
exercise that mechanism (``python -m faults --kinds ...``) with the copy first on
``PYTHONPATH``, so the sync processes run the broken code. A mutation is *caught* when the
suite reports a failed trial; *missed* when every trial passes. First the same trials run on
an unmutated copy and must pass: a suite that fails anyway proves nothing.

A mutation names the exact source text it replaces; text that is no longer in the source (or
is there more than once) is an error that stops the check, never a catch: the mutation must be
brought up to date with the code.

Prints a line per mutation and exits 0 only when every mutation run was caught.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "plugins" / "xero_sync"
TOOLS = ROOT / "tools"


class MutationTargetMissing(RuntimeError):
    """A mutation's source text is not in the package exactly once."""


@dataclass(frozen=True)
class Edit:
    """Replace ``old`` (which must occur exactly once) by ``new`` in one file of the package."""

    path: str  # relative to the package directory
    old: str
    new: str


@dataclass(frozen=True)
class Mutation:
    """One deliberate bug and the trial kinds that must catch it."""

    name: str
    what: str
    edits: tuple[Edit, ...]
    kinds: tuple[str, ...]


MUTATIONS = (
    Mutation(
        "overlap_minus_1s", "the overlap window one second short",
        (Edit("sync.py",
              "return Plan(state.watermark_ts.replace(tzinfo=UTC) - request.overlap, None, "
              "False)",
              "return Plan(state.watermark_ts.replace(tzinfo=UTC) - request.overlap "
              "+ timedelta(seconds=1), None, False)"),),
        ("late_edit",)),
    Mutation(
        "dropped_record", "the last record of every page skipped",
        (Edit("sync.py", "pending.extend(page.records)", "pending.extend(page.records[:-1])"),),
        ("burst",)),
    Mutation(
        "snapshot_marks_by_run_id",
        "a full snapshot marks deleted the rows whose _run_id is not its own, not the rows "
        "it did not read",
        (Edit("warehouse/statements.py",
              "    where = (f\"WHERE t.{q('tenant_id')} = {m} AND t.{q('is_deleted')} = {m} "
              "AND NOT EXISTS (\"  # noqa: S608 - identifiers only\n"
              "             f\"SELECT 1 FROM {dialect.table(schema, SYNC_SEEN.name)} AS s \"\n"
              "             f\"WHERE s.{q('object')} = {m} AND s.{q('tenant_id')} = "
              "t.{q('tenant_id')} \"\n"
              "             f\"AND {seen} = t.{q(key.name)})\")\n",
              "    where = (f\"WHERE t.{q('tenant_id')} = {m} AND t.{q('is_deleted')} = {m} \"\n"
              "             f\"AND t.{q('_run_id')} <> {m}\")\n"),
         Edit("warehouse/sqlbase.py",
              "params = (True, self.bind_timestamp(run.loaded_at), tenant_id, False, "
              "mapping.name)",
              "params = (True, self.bind_timestamp(run.loaded_at), tenant_id, False, "
              "run.run_id)")),
        ("hostile",)),
    Mutation(
        "watermark_unclamped", "the watermark stored without the clamp to Xero's clock",
        (Edit("sync.py",
              "stamp = min(mark.astimezone(UTC), _ceiling(page, timedelta(0)))"
              ".replace(tzinfo=None)",
              "stamp = mark.astimezone(UTC).replace(tzinfo=None)"),),
        ("future_record",)),
    Mutation(
        "backfill_ignores_interval",
        "a backfill run taken for a scheduled one (run_type compared as text, as at c077946): "
        "If-Modified-Since is the watermark, not the interval's start",
        (Edit("tasks.py",
              'return bool(getattr(dag_run, "run_type", None) == DagRunType.BACKFILL)',
              'return str(getattr(dag_run, "run_type", None)).endswith("backfill")'),),
        ("backfill_overlap",)),
)


@dataclass(frozen=True)
class CheckConfig:
    """What the check runs: which mutations, on which warehouse, how many trials of each."""

    only: tuple[str, ...] = ()  # mutation names; () = all
    database: str = "sqlite"  # a warehouse kind the fault suite knows
    objects: tuple[str, ...] = ("invoices", "items")
    scale: int = 20
    seed: int = 7
    rounds: int = 1  # trials of each kind after the first load
    baseline: bool = True
    workdir: Path | None = None


@dataclass
class Verdict:
    """What the suite said about one copy of the package."""

    name: str
    status: str  # caught | missed | error (for the baseline: passed | FAILED | error)
    trials: int = 0
    failed_trials: list[int] = field(default_factory=list)
    found: str = ""
    seconds: float = 0.0


def main(argv: list[str] | None = None) -> int:
    """Run the check from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="comma-separated mutation names: "
                        + ", ".join(m.name for m in MUTATIONS))
    parser.add_argument("--database", default="sqlite", choices=("sqlite", "postgres"))
    parser.add_argument("--seed", type=int, default=CheckConfig.seed)
    parser.add_argument("--rounds", type=int, default=CheckConfig.rounds)
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip the unmutated run (only when it has just passed)")
    parser.add_argument("--output", type=Path, default=Path("var/faults/mutations.json"))
    args = parser.parse_args(argv)
    config = CheckConfig(only=tuple(n for n in args.only.split(",") if n),
                         database=args.database, seed=args.seed, rounds=args.rounds,
                         baseline=not args.no_baseline)
    started = time.monotonic()
    try:
        baseline, verdicts = run_check(config, lambda line: print(line, flush=True))
    except MutationTargetMissing as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    caught = sum(v.status == "caught" for v in verdicts)
    print(f"caught {caught} of {len(verdicts)} mutations in {time.monotonic() - started:.0f} s"
          + ("" if baseline is None else f"; unmutated baseline {baseline.status}"))
    output = args.output if args.output.is_absolute() else ROOT / args.output
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps({
        "baseline": None if baseline is None else vars(baseline),
        "mutations": [vars(v) for v in verdicts], "caught": caught, "total": len(verdicts),
        "seconds": round(time.monotonic() - started, 1)}, indent=2) + "\n")
    ok = caught == len(verdicts) and (baseline is None or baseline.status == "passed")
    return 0 if ok else 1


def chosen(only: tuple[str, ...]) -> list[Mutation]:
    """The mutations to run (unknown names refused)."""
    names = {m.name for m in MUTATIONS}
    unknown = [n for n in only if n not in names]
    if unknown:
        raise SystemExit(f"unknown mutation {unknown[0]!r}; known: {', '.join(sorted(names))}")
    return [m for m in MUTATIONS if not only or m.name in only]


def run_check(config: CheckConfig, echo: Callable[[str], None] = lambda _: None,
              ) -> tuple[Verdict | None, list[Verdict]]:
    """The baseline (unless turned off), then every chosen mutation; their verdicts. Every
    mutation is applied (and so checked against the source) before any trial runs."""
    mutations = chosen(config.only)
    workdir = Path(tempfile.mkdtemp(prefix="xero-mutations-")) if config.workdir is None \
        else config.workdir
    try:
        copies = {}
        for mutation in mutations:
            copies[mutation.name] = mutated_copy(mutation, workdir / mutation.name)
        baseline = None
        if config.baseline:
            kinds = tuple(dict.fromkeys(k for m in mutations for k in m.kinds))
            root = mutated_copy(None, workdir / "baseline")
            baseline = run_suite("baseline", root, kinds, config, workdir)
            baseline.status = {"caught": "FAILED", "missed": "passed"}.get(
                baseline.status, baseline.status)
            echo(verdict_line(baseline))
        verdicts = []
        for mutation in mutations:
            verdict = run_suite(mutation.name, copies[mutation.name], mutation.kinds, config,
                                workdir)
            verdicts.append(verdict)
            echo(verdict_line(verdict))
        return baseline, verdicts
    finally:
        if config.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)


def mutated_copy(mutation: Mutation | None, directory: Path) -> Path:
    """A copy of the package under ``directory`` (its parent goes on PYTHONPATH), with the
    mutation applied; raises ``MutationTargetMissing`` when a target text is not there once."""
    package = directory / "xero_sync"
    shutil.copytree(PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    if mutation is None:
        return directory
    for edit in mutation.edits:
        path = package / edit.path
        text = path.read_text() if path.exists() else ""
        found = text.count(edit.old)
        if found != 1:
            raise MutationTargetMissing(
                f"mutation {mutation.name}: {PACKAGE.name}/{edit.path} holds its target text "
                f"{found} times, expected once: {edit.old[:90]!r}... Bring the mutation in "
                "tools/faults/mutations.py up to date with the source")
        path.write_text(text.replace(edit.old, edit.new))
    return directory


def run_suite(name: str, root: Path, kinds: tuple[str, ...], config: CheckConfig,
              workdir: Path) -> Verdict:
    """The fault suite's trials of ``kinds`` against the package under ``root``."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), str(TOOLS)])}
    _require_copy_imported(root, env)
    output = workdir / f"{name}.json"
    output.unlink(missing_ok=True)
    trials = 1 + len(kinds) * config.rounds
    command = [sys.executable, "-m", "faults", "--trials", str(trials),
               "--trials-per-cycle", str(trials), "--kinds", ",".join(kinds),
               "--objects", ",".join(config.objects), "--database", config.database,
               "--scale", str(config.scale), "--seed", str(config.seed),
               "--day-limit-every", "0", "--output", str(output),
               "--workdir", str(workdir / f"{name}-work")]
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,  # noqa: S603
                          check=False)
    seconds = round(time.monotonic() - started, 1)
    if not output.exists():
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return Verdict(name, "error", found=" | ".join(tail), seconds=seconds)
    report = json.loads(output.read_text())
    summary = report["summary"]
    problems = [p for t in report["trials"] for p in ([t["error"]] if t["error"] else [])
                + t["tally"]["problems"]]
    return Verdict(name, "missed" if summary["ok"] else "caught", trials=summary["trials"],
                   failed_trials=summary["failed_trials"], found="; ".join(problems[:2]),
                   seconds=seconds)


def _require_copy_imported(root: Path, env: dict[str, str]) -> None:
    """The suite's processes must import the copy, not the repository's package."""
    probe = "import xero_sync; print(xero_sync.__file__)"
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,  # noqa: S603
                          text=True, check=True, cwd=ROOT)
    imported = Path(done.stdout.strip()).resolve()
    if not imported.is_relative_to(root.resolve()):
        raise RuntimeError(f"with PYTHONPATH={env['PYTHONPATH']} Python imports xero_sync "
                           f"from {imported}, not from the copy under {root}")


def verdict_line(verdict: Verdict) -> str:
    """One line of the table."""
    found = f": {verdict.found[:160]}" if verdict.found else ""
    return (f"{verdict.name:26} {verdict.status:7} {verdict.trials:>2} trials "
            f"{verdict.seconds:>6.1f} s{found}")


if __name__ == "__main__":
    sys.exit(main())
