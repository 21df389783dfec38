"""The README and docs/ stand alone: they cite only files in the repository, and docs/deck-json.md
documents every field of deck.json."""

from __future__ import annotations

import dataclasses
import re
import typing
from pathlib import Path

import pytest

import wbr.engine.deck as deck_module
import wbr.engine.deck_history as history_module

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [ROOT / "README.md", *DOCS]
# Folders of the repository: a backticked path that starts with one of these must exist.
TOP = ("wbr/", "tests/", "docs/", "benchmarks/", "notebooks/", "data/", ".ci/")
NOT_IN_REPO = ("../shared", "DESIGN.md", "WBR_PRACTICE.md", "NOTES-")


def _cited_paths(page: Path) -> list[tuple[str, Path]]:
    """(as written, resolved) for every markdown link and backticked repository path."""
    text = page.read_text(encoding="utf-8")
    cited = []
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if not re.match(r"[a-z]+:", target):
            cited.append((target, page.parent / target))
    for code in re.findall(r"`([^`\s]+)`", text):
        path = code.rstrip(".,:;")
        if path.startswith(TOP) and not re.search(r"[<>*{}$]|\.\.\.", path):
            cited.append((path, ROOT / path.split(":")[0]))
    return cited


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_file_a_page_cites_is_in_the_repository(page):
    missing = [written for written, path in _cited_paths(page) if not path.exists()]
    assert not missing, f"{page.name} cites files that are not in the repository: {missing}"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_no_page_points_outside_the_repository(page):
    text = page.read_text(encoding="utf-8")
    assert not [name for name in NOT_IN_REPO if name in text]


def test_the_design_notes_exist():
    assert {p.name for p in DOCS} >= {
        "architecture.md",
        "data-flow.md",
        "calculation-rules.md",
        "deck-json.md",
    }


def _deck_objects() -> dict[str, type]:
    """Every dataclass deck.json holds, by name, found by walking the Deck's field types."""
    names = vars(deck_module) | vars(history_module)
    found: dict[str, type] = {}
    pending: list[type] = [deck_module.Deck]
    while pending:
        cls = pending.pop()
        if cls.__name__ in found:
            continue
        found[cls.__name__] = cls
        for spec in dataclasses.fields(cls):
            for name in re.findall(r"[A-Z]\w+", str(typing.get_type_hints(cls, names)[spec.name])):
                candidate = names.get(name)
                if isinstance(candidate, type) and dataclasses.is_dataclass(candidate):
                    pending.append(candidate)
    return found


def _documented_fields() -> dict[str, set[str]]:
    """The fields listed in each `## Object` section of docs/deck-json.md."""
    text = (ROOT / "docs" / "deck-json.md").read_text(encoding="utf-8")
    sections = re.split(r"^## ", text, flags=re.M)[1:]
    return {
        section.split("\n", 1)[0].strip(): set(re.findall(r"^\| `(\w+)` \|", section, re.M))
        for section in sections
    }


def test_deck_json_doc_lists_every_field_of_every_object():
    documented = _documented_fields()
    objects = _deck_objects()
    assert len(objects) > 10  # the walk found the nested objects, not just the Deck
    for name, cls in objects.items():
        fields = {spec.name for spec in dataclasses.fields(cls)}
        assert documented.get(name) == fields, (
            f"docs/deck-json.md section '## {name}': documented {documented.get(name)}, "
            f"fields {fields}"
        )
    assert set(documented) == set(objects), "sections for objects deck.json does not hold"


def test_no_module_or_test_cites_notes_outside_the_repository():
    sources = [*(ROOT / "wbr").rglob("*.py"), *(ROOT / "tests").glob("*.py")]
    citing = [
        str(path.relative_to(ROOT))
        for path in sources
        if path.name != Path(__file__).name
        and any(name in path.read_text(encoding="utf-8") for name in NOT_IN_REPO)
    ]
    assert not citing, f"cite docs/ instead: {citing}"
