"""Many organisations (issue 16): distinct names, most small and a few large, fixed by the
seed; the first two stay exactly as they were, since other tests compare against their data."""

from __future__ import annotations

import pickle

from xero_sandbox.state import SandboxConfig, SandboxState
from xero_sandbox.tenants import organisation_names, organisation_scales


def test_two_hundred_organisations_have_distinct_names() -> None:
    names = organisation_names(42, 200)
    assert len(set(names)) == 200
    assert names[:2] == ["Kōwhai Coffee Roasters Ltd", "Müller & Söhne GmbH"]
    assert names == organisation_names(42, 200)
    assert names[8:] != organisation_names(43, 200)[8:]


def test_sizes_spread_like_a_firms_clients() -> None:
    scales = organisation_scales(42, 200, 1000)
    assert scales[:2] == [1000, 1000]
    others = scales[2:]
    assert sum(s <= 100 for s in others) > len(others) / 2  # most are small
    large = sum(s >= 500 for s in others)
    assert 1 <= large <= len(others) * 0.15  # a few are large
    assert max(others) <= 2000 and min(others) >= 20
    assert scales == organisation_scales(42, 200, 1000)


def test_more_organisations_leave_the_first_two_exactly_as_they_were() -> None:
    two = SandboxState(SandboxConfig(seed=42, tenants=2, scale=40))
    five = SandboxState(SandboxConfig(seed=42, tenants=5, scale=40))
    assert list(five.tenant_names.items())[:2] == list(two.tenant_names.items())
    for tenant in two.tenant_names:
        assert pickle.dumps(five.organisations[tenant].data) == \
            pickle.dumps(two.organisations[tenant].data)
    sizes = [len(o.data["Invoices"]) for o in five.organisations.values()]
    assert sizes[2:] != sizes[:1] * 3  # the others are generated at their own sizes
