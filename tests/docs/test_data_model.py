"""docs/data-model.md is what tools/data_model.py draws from the mappings, and it is valid
Mermaid as far as a line-by-line check can tell (GitHub renders it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import data_model
from xero_sync.mapping import load_mappings

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "data-model.md"
# Mermaid erDiagram lines: an entity header, an attribute, a closing brace, a relationship.
_NAME = r'(?:[A-Za-z_][A-Za-z0-9_-]*|"[^"%]+")'
_LINE = re.compile(
    rf"^(erDiagram|    {_NAME}|    {_NAME} \{{|    \}}"
    rf"|        [A-Za-z][A-Za-z0-9_()\[\]-]* [A-Za-z_][A-Za-z0-9_-]*(?: (?:PK|FK|PK, FK))?"
    r'(?: "[^"]*")?'
    rf'|    {_NAME} (?:\|\|--o\{{|\}}o\.\.o\|) {_NAME} : "[^"]+")$')
MERMAID_MAX_TEXT = 50_000  # Mermaid's default maxTextSize per diagram


def diagrams(text: str) -> list[str]:
    return re.findall(r"```mermaid\n(.*?)```", text, re.S)


def test_the_committed_data_model_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == data_model.render(), (
        "docs/data-model.md is stale: regenerate it with `make docs` "
        f"(which runs {data_model.COMMAND}) and commit it")


def test_every_table_of_every_mapping_is_drawn() -> None:
    text = DOC.read_text(encoding="utf-8")
    for mapping in load_mappings(ROOT / "include" / "mappings"):
        assert f"### {mapping.name}\n" in text
        for table in [mapping.table, *(c.table for c in mapping.all_children())]:
            assert re.search(rf"^    {table} \{{$", text, re.M), table


def test_every_diagram_line_is_mermaid_er_syntax() -> None:
    blocks = diagrams(DOC.read_text(encoding="utf-8"))
    assert len(blocks) >= 3
    for block in blocks:
        assert len(block) < MERMAID_MAX_TEXT
        for line in block.splitlines():
            assert _LINE.match(line), f"not Mermaid erDiagram syntax: {line!r}"


def test_references_join_real_key_columns() -> None:
    mappings = load_mappings(ROOT / "include" / "mappings")
    keys = {m.table: m.key_column for m in mappings}
    found = data_model.references(mappings)
    assert ("invoices", "contact_id", "contacts") in found
    assert ("invoice_line_items", "item_id", "items") in found
    for _, column, target in found:
        assert keys[target] == column


def test_check_mode_reports_a_stale_file(tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(data_model, "render", lambda: "the current model\n")
    stale = tmp_path / "data-model.md"
    stale.write_text("old", encoding="utf-8")
    monkeypatch.setattr(data_model, "OUTPUT", stale)
    monkeypatch.setattr(data_model, "ROOT", tmp_path)
    assert data_model.main(["--check"]) == 1
    assert data_model.main([]) == 0
    assert data_model.main(["--check"]) == 0
