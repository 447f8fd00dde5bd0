"""Who the sandbox's organisations are: distinct names and a realistic spread of sizes.

An accounting firm's app reaches many client organisations, and they are not alike: most are
small, a few are large. So beyond the first two (which keep ``--scale`` invoices each and the
names they always had: tests compare against their data), organisation ``i`` gets a size drawn
from that spread and a name no other organisation has, both fixed by the seed.
"""

from __future__ import annotations

import random

ORGANISATION_NAMES = (
    "Kōwhai Coffee Roasters Ltd", "Müller & Söhne GmbH", "Harbour Bridge Joinery Pty",
    "O'Neill's Bakery & Café", "Bright Sparks Electrical", "Ōtautahi Outdoor Co",
    "Thames Valley Analytics", "Maple Leaf Logistics Inc",
)
FULL_SIZE = 2  # organisations that keep --scale invoices (and the data tests compare with)
_PLACES = (
    "Aoraki", "Bayside", "Canterbury", "Derwent", "Epsom", "Fjordland", "Glenelg", "Hokitika",
    "Ironbark", "Jarrah", "Kauri", "Lakeside", "Manukau", "Northcote", "Ōrākei", "Parnell",
    "Queenstown", "Riverside", "Southbank", "Tāmaki", "Uptown", "Victoria", "Waitematā",
    "Yarra", "Zeehan",
)
_TRADES = (
    "Accounting", "Bakery", "Builders", "Café", "Dental", "Electrical", "Florist", "Garage",
    "Hair Studio", "Interiors", "Joinery", "Kitchens", "Landscaping", "Motors", "Nursery",
    "Optometry", "Plumbing", "Quilting", "Roofing", "Surveyors", "Tiling", "Upholstery",
    "Vineyard", "Wholesale", "Yoga",
)
_SUFFIXES = ("Ltd", "Pty Ltd", "& Co", "Group", "Partners", "Trust", "GmbH", "Inc")
# (share of organisations, smallest and largest size as a fraction of --scale)
_SIZE_BANDS = ((0.70, 0.02, 0.10), (0.22, 0.10, 0.50), (0.08, 0.50, 2.00))


def organisation_names(seed: int, count: int) -> list[str]:
    """``count`` distinct names: the eight classic ones first, then composed ones."""
    names = list(ORGANISATION_NAMES[:count])
    if count <= len(names):
        return names
    rng = random.Random(f"names-{seed}")  # noqa: S311 - test data, not secrets
    combos = [f"{place} {trade} {suffix}" for place in _PLACES for trade in _TRADES
              for suffix in _SUFFIXES]
    rng.shuffle(combos)
    rounds = len(combos)  # past 5,000 names a number keeps them distinct
    return names + [combos[i % rounds] + (f" ({i // rounds + 1})" if i >= rounds else "")
                    for i in range(count - len(names))]


def organisation_scales(seed: int, count: int, scale: int) -> list[int]:
    """Invoices per organisation: ``scale`` for the first two, then most small, a few large."""
    rng = random.Random(f"sizes-{seed}")  # noqa: S311 - test data, not secrets
    scales = []
    for index in range(count):
        if index < FULL_SIZE:
            scales.append(scale)
            continue
        low, high = _band(rng.random())
        scales.append(max(1, round(scale * rng.uniform(low, high))))
    return scales


def _band(pick: float) -> tuple[float, float]:
    """The size band a uniform draw in [0, 1) falls in."""
    for share, low, high in _SIZE_BANDS:
        if pick < share:
            return low, high
        pick -= share
    return _SIZE_BANDS[-1][1:]
