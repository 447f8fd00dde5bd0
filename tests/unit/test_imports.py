"""The package's modules import on their own and never in a circle.

A circle (``a`` imports ``b``, ``b`` imports ``a``) works or breaks by the order the modules
happen to be imported in, so it can pass every test and fail in the DAG processor, the
mapping check or a tool that imports one module first. Hiding it behind an import inside a
function only moves the break to the first call. Two checks: every module is imported first
in a fresh interpreter, and the import graph, read from the source (imports inside functions
included; type-checking-only imports and ``__main__`` blocks left out: they never run on
import), has no circle.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

PLUGINS = Path(__file__).resolve().parents[2] / "plugins"
PACKAGE = "xero_sync"

# Each module in turn is imported first: the package's modules imported before it are dropped
# from sys.modules (third-party ones stay loaded, which keeps this to seconds).
IMPORT_EACH = """
import importlib, json, sys, traceback
failed = {}
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m == "%(p)s" or m.startswith("%(p)s.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except BaseException:
        failed[name] = traceback.format_exc(limit=-3)
print(json.dumps(failed))
""" % {"p": PACKAGE}  # noqa: UP031 - the script's own braces


def module_names() -> dict[str, Path]:
    """Every module of the package by dotted name (``__main__`` modules run a CLI: left out)."""
    found = {}
    for path in sorted((PLUGINS / PACKAGE).rglob("*.py")):
        parts = path.relative_to(PLUGINS).with_suffix("").parts
        if parts[-1] == "__main__":
            continue
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _runs_on_import(test: ast.expr) -> bool:
    """False for ``if TYPE_CHECKING:`` and ``if __name__ == "__main__":`` blocks."""
    text = ast.unparse(test)
    return "TYPE_CHECKING" not in text and "__main__" not in text


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The package's modules this file imports when it runs (module level or in a function)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and not _runs_on_import(child.test):
                for branch in child.orelse:
                    visit(branch)
                continue
            if isinstance(child, ast.ImportFrom) and child.module and not child.level:
                named = [child.module] + [f"{child.module}.{a.name}" for a in child.names]
                found.update(n for n in named if n in modules)
            elif isinstance(child, ast.Import):
                found.update(a.name for a in child.names if a.name in modules)
            else:
                visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def find_circle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle of the graph as the path round it (``[a, b, a]``), or None."""
    state: dict[str, str] = {}  # "open" while on the path, "done" once every edge is seen
    path: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                return [*path[path.index(target):], target]
            if target not in state and (circle := walk(target)):
                return circle
        path.pop()
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state and (circle := walk(start)):
            return circle
    return None


def test_every_module_imports_first_in_a_fresh_interpreter() -> None:
    names = sorted(module_names())
    done = subprocess.run([sys.executable, "-c", IMPORT_EACH, *names], capture_output=True,
                          text=True, timeout=300, check=False, cwd=PLUGINS.parent,
                          env={**os.environ, "PYTHONPATH": str(PLUGINS)})
    assert done.returncode == 0, done.stderr
    failed = json.loads(done.stdout.strip().splitlines()[-1])
    assert failed == {}, "\n".join(f"{name}:\n{error}" for name, error in failed.items())
    assert len(names) > 40  # the whole package was imported, not an empty list


def test_no_module_imports_one_that_imports_it_back() -> None:
    modules = module_names()
    graph = {name: imports_of(path, set(modules)) - {name} for name, path in modules.items()}
    assert graph["xero_sync.extract"]  # the graph was read, not empty
    circle = find_circle(graph)
    assert circle is None, f"import circle: {' -> '.join(circle or [])}; move what they " \
                           "share into a module of its own (as xero_sync.strategies)"


def test_a_circle_is_found_where_there_is_one() -> None:
    assert find_circle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_circle({"a": {"b"}, "b": set()}) is None
