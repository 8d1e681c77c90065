"""The back-office page's terms (``api/static/backoffice/js/labels.js``): every stage and
category of the API has a label in Kazakh, Russian and English, and every term said to come
from a seed is found on the lines it cites (its first word, as the seed inflects it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from domain.case.stage import Stage
from domain.programme import Category, Programme
from tests.support.seeds import SEED_BY_NUMBER, seed_lines

LABELS = Path(__file__).parents[2] / "api" / "static" / "backoffice" / "js" / "labels.js"
ENTRY = re.compile(
    r'(\w+): t\(\s*"([^"]+)",\s*"([^"]+)",\s*"([^"]+)",\s*\{ ru: "([^"]+)", kk: "([^"]+)" \}\)',
    re.DOTALL,
)
CITATION = re.compile(r"(\d{3}):(\d+)(?:-(\d+))?")
STEM = 4  # letters of a term's first word the cited lines must hold (inflections differ)


def entries() -> list[tuple[str, ...]]:
    return ENTRY.findall(LABELS.read_text(encoding="utf-8"))


def table(name: str) -> set[str]:
    text = LABELS.read_text(encoding="utf-8")
    body = text.split(f"export const {name} = {{", 1)[1].split("\n};", 1)[0]
    return set(re.findall(r"^  (\w+):", body, re.MULTILINE))


@pytest.mark.parametrize(
    ("name", "values"),
    [("STAGE", Stage), ("CATEGORY", Category), ("PROGRAMME", Programme)],
)
def test_every_value_of_the_api_has_a_label(name: str, values: type) -> None:
    assert table(name) == {v.name for v in values}  # type: ignore[attr-defined]


def cited_text(citation: str) -> str:
    found = CITATION.fullmatch(citation)
    assert found, f"a citation is SEED:LINE or SEED:FIRST-LAST, got {citation!r}"
    lines = seed_lines(SEED_BY_NUMBER[found[1]])
    first, last = int(found[2]), int(found[3] or found[2])
    return " ".join(lines[first - 1 : last]).lower()


@pytest.mark.parametrize("entry", entries(), ids=lambda e: e[0])
def test_a_term_from_a_seed_is_on_the_lines_it_cites(entry: tuple[str, ...]) -> None:
    _key, _en, ru, kk, ru_source, kk_source = entry
    for term, source in ((ru, ru_source), (kk, kk_source)):
        if source == "project":
            continue
        stem = re.split(r"[\s,/-]", term.lower())[0][:STEM]
        assert stem in cited_text(source), f"{term!r} not at {source}"


def test_the_labels_cite_the_seeds() -> None:
    cited = [e for e in entries() if e[4] != "project" or e[5] != "project"]
    assert len(entries()) >= 40
    assert len(cited) >= 25
