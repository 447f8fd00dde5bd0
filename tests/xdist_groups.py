"""Which pytest-xdist worker group a test belongs to (``tests/conftest.py`` marks each test).

pytest-xdist's ``--dist loadgroup`` reads a test's group from its node id, ``<id>@<group>``,
but only when that ``@`` comes after the id's last ``]``: a group name ending in ``]`` (say
``test_all_dags.py[sqlite]``) is silently ignored and every test of it becomes a group of its
own, spread over the workers. The end-to-end scenario, set up once per warehouse in a serial
run, was then set up on both workers, twice for each warehouse (about six minutes of two
cores). So group names never hold brackets.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


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
