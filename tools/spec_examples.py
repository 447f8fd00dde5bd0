"""Collect the records of Xero's own API examples, for the tests that load them.

    python tools/spec_examples.py path/to/xero_accounting.yaml [--commit SHA]

Xero's OpenAPI spec (github.com/XeroAPI/Xero-OpenAPI, MIT License) embeds a JSON example
for most responses. This writes, to ``tests/warehouse/xero_spec_examples.json``, every
``200`` response example that holds one of the collections our mappings read, as the records
exactly as written there (dates as the strings Xero sends, not as YAML would read them), with
the operation each came from. ``tests/warehouse/test_spec_examples.py`` loads every one.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "tests" / "warehouse" / "xero_spec_examples.json"
SOURCE = "https://github.com/XeroAPI/Xero-OpenAPI/blob/{commit}/xero_accounting.yaml"


class _JsonLikeLoader(yaml.SafeLoader):
    """YAML as JSON reads it: timestamps stay text, and only true/false are booleans (YAML
    1.1 would turn a country code NO into False)."""


_JsonLikeLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers
            if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
_JsonLikeLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"))


def examples(spec: dict[str, Any], collections: set[str]) -> list[dict[str, Any]]:
    """``{"operation", "collection", "records"}`` for every 200 example holding a collection."""
    found = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if not isinstance(operation, dict):
                continue
            response = (operation.get("responses") or {}).get("200") or {}
            example = ((response.get("content") or {}).get("application/json") or {}).get(
                "example")
            if isinstance(example, str):
                example = json.loads(example)
            if not isinstance(example, dict):
                continue
            for collection in sorted(collections):
                if isinstance(example.get(collection), list) and example[collection]:
                    found.append({"operation": f"{method.upper()} {path}",
                                  "collection": collection, "records": example[collection]})
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec", type=Path, help="xero_accounting.yaml of XeroAPI/Xero-OpenAPI")
    parser.add_argument("--commit", default="master", help="the spec's commit, for the record")
    args = parser.parse_args(argv)
    from xero_sync.mapping import load_mappings

    collections = {m.collection for m in load_mappings(ROOT / "include" / "mappings")
                   if m.api == "accounting"}
    spec = yaml.load(args.spec.read_text(encoding="utf-8"), Loader=_JsonLikeLoader)  # noqa: S506 - a SafeLoader
    document = {"source": SOURCE.format(commit=args.commit), "license": "MIT",
                "examples": examples(spec, collections)}
    OUTPUT.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n",
                      encoding="utf-8")
    print(f"wrote {len(document['examples'])} examples to {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
