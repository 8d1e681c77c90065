"""Every ruleset cites a seed file and lines that exist: a reader can find the source."""

from __future__ import annotations

from typing import Any

import pytest

from domain.rules import catalog
from domain.rules.ruleset import Ruleset
from tests.support.seeds import SEED_LINES, line_ranges, seeds_dir


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


def test_recorded_line_counts_are_those_of_the_seed_files() -> None:
    folder = seeds_dir()
    if folder is None:
        pytest.skip("the seed files are not on this machine (set BOLASHAK_SEEDS_DIR)")
    for seed, count in SEED_LINES.items():
        assert len((folder / seed).read_text(encoding="utf-8").splitlines()) == count, seed
