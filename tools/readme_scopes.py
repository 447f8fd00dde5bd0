"""Write the README's scopes table (which scope each DAG needs) from the mappings.

    python tools/readme_scopes.py           # rewrite the table between its markers in README.md
    python tools/readme_scopes.py --check   # exit 1 if the committed table is stale

The scope of each Xero endpoint is stated once, in ``xero_sync.scopes``; a mapping names its
endpoint, so a new mapping gets its row from ``make docs`` and nobody edits the table by hand.
``tests/docs/test_readme.py`` fails when the committed table differs from what this writes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
MAPPINGS = ROOT / "include" / "mappings"
COMMAND = "make docs"
BEGIN = "<!-- scopes table: `make docs` writes it from include/mappings and xero_sync/scopes.py -->"
END = "<!-- end of the scopes table -->"
INDENT = "   "  # the table sits in a numbered list item

if TYPE_CHECKING:
    from xero_sync.mapping import ObjectMapping


def table(mappings: list[ObjectMapping]) -> list[str]:
    """One row per scope pair, its DAGs in name order; rows in ``ENDPOINT_SCOPES`` order; last
    the report snapshots' DAG (not a mapping), with a granular scope per report."""
    from xero_sync.dag_factory import REPORTS_DAG_ID
    from xero_sync.scopes import ENDPOINT_SCOPES, REPORT_SCOPES, SINCE, scope_for

    order = list(dict.fromkeys(ENDPOINT_SCOPES.values()))
    dags: dict[int, list[str]] = {}
    for mapping in mappings:
        need = scope_for(mapping.api, mapping.resource, f"{mapping.path}: ")
        dags.setdefault(order.index(need), []).append(f"xero__{mapping.name}")
    since = SINCE.split(" ", 1)[1]  # "March 2026"
    lines = [f"| DAGs | scope, apps since {since} | scope, older apps |", "|---|---|---|"]
    for index in sorted(dags):
        need = order[index]
        lines.append(f"| {', '.join(sorted(dags[index]))} | `{need.granular}` | `{need.broad}` |")
    granular = " ".join(dict.fromkeys(need.granular for need in REPORT_SCOPES.values()))
    broad = " ".join(dict.fromkeys(need.broad for need in REPORT_SCOPES.values()))
    lines.append(f"| {REPORTS_DAG_ID} | `{granular}` | `{broad}` |")
    return lines


def render(readme: str, mappings: list[ObjectMapping]) -> str:
    """The README with the table between its markers rewritten."""
    start, end = readme.find(BEGIN), readme.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"README.md: the markers {BEGIN!r} and {END!r} are missing; put them "
                         "back around the scopes table")
    body = "\n".join(INDENT + line for line in table(mappings))
    return f"{readme[:start]}{BEGIN}\n{body}\n{INDENT}{readme[end:]}"


def main(argv: list[str] | None = None) -> int:
    """Rewrite the table, or with --check report whether it is up to date."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if README.md's scopes table differs from what is written")
    args = parser.parse_args(argv)
    plugins = str(ROOT / "plugins")
    if plugins not in sys.path:
        sys.path.insert(0, plugins)
    from xero_sync.mapping import load_mappings

    current = README.read_text(encoding="utf-8")
    text = render(current, load_mappings(MAPPINGS))
    if args.check:
        if current != text:
            print(f"README.md's scopes table is stale: run {COMMAND}", file=sys.stderr)
            return 1
        return 0
    README.write_text(text, encoding="utf-8")
    print("wrote the scopes table of README.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
