"""Every citation says what the rule says: a reader who opens the seed at the cited lines
finds the rule there.

Each citation of a ruleset (its ``[[sources]]``, every ``source_lines`` of its rows, category
blocks and tables, every ``<prefix>source_lines``) and each citation in the domain's docstrings
("(001 lines 100-102)") must name lines that exist in the cited seed and contain at least one
of the rule's key words or numbers; how they are found is in ``tests/support/citations.py``.
The seeds are the project's test data (``tests/data/seeds``).
"""

from __future__ import annotations

import ast
import hashlib
import re
import tomllib
from pathlib import Path

import pytest

from domain.rules import catalog
from domain.rules.ruleset import Ruleset
from tests.support.citations import citations, problems, prose_citations
from tests.support.seeds import (
    SEED_BY_NUMBER,
    SEED_SHA256,
    SEEDS_DIR,
    copied_seed_lines,
)

DOMAIN = Path(__file__).resolve().parents[3] / "domain"
RULESET_FILES = sorted((DOMAIN / "rules" / "data").glob("*.toml"))


@pytest.mark.parametrize("ruleset", catalog.all_rulesets().values(), ids=lambda r: r.id)
def test_every_citation_of_a_ruleset_is_in_its_seed_and_names_the_rule(ruleset: Ruleset) -> None:
    assert ruleset.sources, f"{ruleset.id} cites no source"
    assert [p for c in citations(ruleset) for p in problems(c, copied_seed_lines)] == []


@pytest.mark.parametrize("path", RULESET_FILES, ids=lambda p: p.name)
def test_every_cited_line_range_of_a_ruleset_file_is_checked(path: Path) -> None:
    """Each ``lines = ...`` and ``...source_lines = ...`` written in the file is a citation."""
    text = path.read_text(encoding="utf-8")
    written = re.findall(r"^\s*(?:lines|\w*source_lines)\s*=", text, re.MULTILINE)
    ruleset = catalog.get(tomllib.loads(text)["id"])
    assert len(citations(ruleset)) == len(written)


def _docstrings(path: Path) -> list[tuple[str, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef | ast.FunctionDef))]
    found = []
    for node in nodes:
        doc = ast.get_docstring(node)
        if doc:
            found.append((f"{path.relative_to(DOMAIN.parent)}::{getattr(node, 'name', '')}", doc))
    return found


@pytest.mark.parametrize("path", sorted(DOMAIN.rglob("*.py")), ids=lambda p: p.name)
def test_every_citation_in_the_domain_docstrings_is_in_its_seed_and_names_the_rule(
    path: Path,
) -> None:
    cited = [
        c for where, doc in _docstrings(path) for c in prose_citations(doc, where, SEED_BY_NUMBER)
    ]
    assert [p for c in cited for p in problems(c, copied_seed_lines)] == []


def test_the_seed_copies_are_the_seeds_as_given() -> None:
    """tests/data/seeds holds the source documents unchanged (SHA-256 of the originals)."""
    for seed, digest in SEED_SHA256.items():
        assert hashlib.sha256((SEEDS_DIR / seed).read_bytes()).hexdigest() == digest, seed
