"""The README's "Add a Xero object" checklist, followed on a copy of the repository with the
README's own example mapping: the check command accepts it, ``make docs`` regenerates what the
tests compare, and the suites that go through every mapping pass with it.

Before this test existed, saving the example exactly as written failed five tests (hard-coded
lists of mappings and a stale data model and scopes table).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The suites that enumerate mappings or compare what is derived from them; the end-to-end runs
# of every DAG are left to the suite itself (minutes, and they read the same mappings).
SUITES = ("tests/docs", "tests/mappings", "tests/dags", "tests/warehouse/test_tsql.py",
          "tests/faults/test_compare.py")
NOT_COPIED = shutil.ignore_patterns(".venv", "var", ".git", "__pycache__", ".mypy_cache",
                                    ".ruff_cache", ".pytest_cache", "*.egg-info")


def section(readme: str) -> str:
    return readme[readme.index("## Add a Xero object"):readme.index("## Data model")]


def example(readme: str) -> tuple[str, str]:
    """The example mapping's file name and text, as the README gives them."""
    text = section(readme)
    name = re.search(r"Save this as\s+`(include/mappings/[a-z_]+\.yaml)`", text)
    block = re.search(r"```yaml\n(.*?)```", text, re.S)
    assert name and block
    return name.group(1), block.group(1)


def checklist_commands(readme: str) -> list[list[str]]:
    """The commands of the checklist's bash blocks, as argv lists."""
    checklist = section(readme).split("### Checklist", 1)[1]
    blocks = re.findall(r"```bash\n(.*?)```", checklist, re.S)
    return [shlex.split(line, comments=True) for block in blocks
            for line in block.splitlines() if line.strip()]


def run(argv: list[str], cwd: Path) -> str:
    env = {**os.environ, "PYTHONPATH": f"{cwd / 'plugins'}{os.pathsep}{cwd / 'tools'}"}
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True,
                            check=False, timeout=1800)
    assert result.returncode == 0, (
        f"{' '.join(argv)}:\n{result.stdout[-4000:]}{result.stderr[-2000:]}")
    return result.stdout


@pytest.mark.slow
def test_the_readme_example_added_as_the_checklist_says_leaves_the_suites_green(
        tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    shutil.copytree(ROOT, clone, ignore=NOT_COPIED)
    (clone / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    readme = (clone / "README.md").read_text(encoding="utf-8")
    name, text = example(readme)
    saved = clone / name
    if saved.exists():  # someone followed the README here already: it must be the example
        assert saved.read_text(encoding="utf-8") == text, f"{name} is another mapping"
    saved.write_text(text, encoding="utf-8")
    stem = Path(name).stem

    commands = checklist_commands(readme)
    assert any("check" in argv and name in argv for argv in commands)
    for argv in commands:
        shown = run(argv, clone)
        assert f"Table xero.{stem} " in shown

    run(["make", "-o", ".venv/.installed", "docs"], clone)  # step 3, without rebuilding .venv
    assert f"### {stem}\n" in (clone / "docs" / "data-model.md").read_text(encoding="utf-8")
    assert f"xero__{stem}" in (clone / "README.md").read_text(encoding="utf-8")
    assert list((clone / "tests" / "golden" / "mssql").glob(f"{stem}_*.sql"))

    run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "--ignore=tests/docs/test_new_object.py", *SUITES], clone)
