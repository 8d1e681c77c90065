"""Every ruleset cites a seed file and lines that exist: a reader can find the source."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from domain.rules import catalog
from domain.rules.ruleset import Ruleset
from tests.support.seeds import SEED_LINES, SEED_SHA256, SEEDS_DIR, line_ranges


def cited_lines(ruleset_data: dict[str, Any]) -> list[str]:
    rows = [*ruleset_data.get("rows", ()), *ruleset_data.get("categories", ())]
    found = [r["source_lines"] for r in rows if "source_lines" in r]
    found += [
        v["source_lines"]
        for v in ruleset_data.values()
        if isinstance(v, dict) and "source_lines" in v
    ]
    return found


@pytest.mark.parametrize("ruleset", catalog.all_rulesets().values(), ids=lambda r: r.id)
def test_every_ruleset_cites_seed_files_and_lines_that_exist(ruleset: Ruleset) -> None:
    assert ruleset.sources, f"{ruleset.id} cites no source"
    for source in ruleset.sources:
        assert source.seed in SEED_LINES, source.seed
        for low, high in line_ranges(source.lines) if source.lines else []:
            assert 1 <= low <= high <= SEED_LINES[source.seed], (ruleset.id, source.lines)
    main_seed = ruleset.sources[0].seed
    for cited in cited_lines(ruleset.data):
        for low, high in line_ranges(cited):
            assert 1 <= low <= high <= SEED_LINES[main_seed], (ruleset.id, cited)


def test_the_seed_copies_are_the_seeds_as_given() -> None:
    """tests/data/seeds holds the source documents unchanged (SHA-256 of the originals)."""
    for seed, digest in SEED_SHA256.items():
        assert hashlib.sha256((SEEDS_DIR / seed).read_bytes()).hexdigest() == digest, seed
