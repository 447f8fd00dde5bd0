"""The mutation check (``make mutations``) cannot rot: every mutation still finds its target
in the source, a target that is gone stops the check loudly instead of counting as caught, and
one mutation runs end to end here (all five run in ``make mutations``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from faults.mutations import (
    MUTATIONS,
    CheckConfig,
    Edit,
    Mutation,
    MutationTargetMissing,
    mutated_copy,
    run_check,
)


def test_every_mutation_changes_the_source_it_names(tmp_path: Path) -> None:
    assert len(MUTATIONS) >= 5
    for mutation in MUTATIONS:
        root = mutated_copy(mutation, tmp_path / mutation.name)
        for edit in mutation.edits:
            text = (root / "xero_sync" / edit.path).read_text()
            assert edit.new in text and edit.old not in text, (mutation.name, edit.path)
        assert mutation.kinds


@pytest.mark.parametrize("path", ["sync.py", "no_such_module.py"])
def test_a_mutation_whose_target_is_gone_is_an_error_not_a_catch(tmp_path: Path,
                                                                  path: str) -> None:
    stale = Mutation("stale", "a target the source no longer has",
                     (Edit(path, "text that is not in the source", "anything"),), ("burst",))
    with pytest.raises(MutationTargetMissing, match=f"stale: xero_sync/{path} holds"):
        mutated_copy(stale, tmp_path / "stale")


@pytest.mark.slow
def test_the_fault_trials_catch_a_dropped_record_and_pass_without_it(tmp_path: Path) -> None:
    config = CheckConfig(only=("dropped_record",), objects=("invoices",), workdir=tmp_path)
    baseline, verdicts = run_check(config)
    assert baseline is not None and baseline.status == "passed", baseline
    assert [(v.name, v.status) for v in verdicts] == [("dropped_record", "caught")], verdicts
    assert "lost" in verdicts[0].found
