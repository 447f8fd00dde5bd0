"""Which pytest-xdist worker runs which tests: a pytest plugin (``tests/conftest.py`` loads it).

Under ``--dist loadgroup`` each test belongs to a group, and a group's tests run on one worker,
in order, so module-scoped fixtures (a sandbox, Airflow running every DAG, a warehouse) are
built once per group, as in a serial run. A test's group is its module; in a module marked
``spread_over("<fixture>")``, its module and that fixture's value (the end-to-end runs per
warehouse go to different workers); a test marked ``spread`` is a group of its own.

Two traps, both of which left every test a group of its own, so that each worker set up every
end-to-end scenario (six runs of every DAG twice instead of three; minutes of two cores):

- pytest-xdist 3.8 tells the controller a test's group by appending ``@<group>`` to
  ``item._nodeid``, which pytest 9 no longer reads (a node id comes from ``item._id``); here
  the suffix is put where pytest 9 reads it.
- xdist reads the group after the last ``@`` only when that comes after the id's last ``]``:
  a group name ending in ``]`` (``test_all_dags.py[sqlite]``) is silently ignored. So group
  names hold no brackets.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest


def xdist_group(nodeid: str, params: Mapping[str, Any], spread_over: tuple[str, ...] | None,
                spread: bool) -> str:
    """The module; with ``spread_over``, the module and those fixtures' values; with
    ``spread``, the test itself (brackets of its parameters made parentheses)."""
    if spread:
        return nodeid.replace("[", "(").replace("]", ")")
    group = nodeid.split("::")[0]
    if spread_over:
        group += "".join(f":{params.get(name)}" for name in spread_over)
    return group


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test with its group; under loadgroup, put it in the node id too."""
    loadgroup = bool(getattr(config.option, "loadgroup", False))
    for item in items:
        marked = item.get_closest_marker("xdist_group")
        if marked is not None:
            group = str(marked.args[0])
        else:
            params = getattr(getattr(item, "callspec", None), "params", {})
            spread_over = item.get_closest_marker("spread_over")
            group = xdist_group(item.nodeid, params,
                                None if spread_over is None else tuple(spread_over.args),
                                item.get_closest_marker("spread") is not None)
            item.add_marker(pytest.mark.xdist_group(group))
        node_id = getattr(item, "_id", None)
        if loadgroup and node_id is not None and "@" not in item.nodeid:
            item._id = type(node_id).parse(f"{item.nodeid}@{group}")  # type: ignore[attr-defined]
