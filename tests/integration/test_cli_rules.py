"""``bolashak rules list`` and ``rules show``: full ids, each ruleset's status on today's
business date (``BOLASHAK_TODAY``), and CIP policy (issue 18, section 5)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.cli.common import console
from domain.rules import catalog
from domain.rules.catalog import parse_ruleset
from domain.rules.ruleset import Ruleset
from tests.support.cli import bolashak_here
from tests.support.seeds import SEED_001

BOLASHAK = str(Path(sys.executable).parent / "bolashak")


@pytest.fixture
def wide() -> Iterator[None]:
    """The command's console as wide as a large terminal (the tests' own may be narrow)."""
    before = console.width
    console.width = 200
    yield
    console.width = before


def listed(*args: str, today: str = "2025-06-01") -> dict[str, str]:
    """Each ruleset's row of ``rules list`` (on a wide console), by id."""
    result = bolashak_here(["rules", "list", *args], {"BOLASHAK_TODAY": today})
    assert result.exit_code == 0, result.output
    rows = {}
    for line in result.stdout.splitlines():
        first = line.split()[0] if line.split() else ""
        if first in catalog.all_rulesets() or first == "policy-rows-under-test":
            rows[first] = line
    return rows


@pytest.mark.usefixtures("wide")
class TestTheList:
    def test_every_ruleset_is_listed_whole_with_its_status_and_sources(self) -> None:
        rows = listed()
        assert set(rows) == set(catalog.all_rulesets())
        contract = rows["contract-deadline"]
        assert "in force" in contract
        assert "000_770805826025d091.txt lines 36-45" in contract

    def test_the_status_is_that_of_the_business_date(self) -> None:
        """The 2023 campaign's rulesets (001) are in force in 2023 and history after it;
        Order 318 as of 24.07.2018 (002 line 67) is not yet in force in 2017."""
        assert "in force" in listed(today="2023-06-01")["eligibility-2023-campaign"]
        assert "history" in listed(today="2025-06-01")["eligibility-2023-campaign"]
        assert "not yet" in listed(today="2017-01-01")["language-thresholds-order318-2018"]

    def test_a_bad_business_date_is_refused(self) -> None:
        result = bolashak_here(["rules", "list"], {"BOLASHAK_TODAY": "01.06.2025"})
        assert result.exit_code == 2
        assert "BOLASHAK_TODAY must be a date" in result.stderr

    def test_policy_lists_exactly_the_rulesets_that_are_or_hold_policy(self) -> None:
        rows = listed("--policy")
        assert set(rows) == {r.id for r in catalog.all_rulesets().values() if r.has_policy}
        assert "policy" in rows["cip-policy-interview-recommendation"]
        assert "eligibility-2023-campaign" not in rows

    def test_a_ruleset_holding_policy_rows_is_listed_as_such(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        with_rows = {**catalog.all_rulesets(), POLICY_ROWS.id: POLICY_ROWS}
        monkeypatch.setattr(catalog, "all_rulesets", lambda: with_rows)
        row = listed("--policy")["policy-rows-under-test"]
        assert row.split()[-4] == "rows"  # the policy column, then "<seed> lines 497-500"


def test_ids_are_never_cut_on_a_narrow_terminal() -> None:
    """At 40 columns each ruleset is a block under its id, which has a line of its own."""
    env = {**os.environ, "COLUMNS": "40", "BOLASHAK_TODAY": "2025-06-01"}
    result = subprocess.run(
        [BOLASHAK, "rules", "list"], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    for ruleset_id in catalog.all_rulesets():
        assert ruleset_id in lines, ruleset_id
    # DOMAIN "Which text is newer": 002's wording stands, 004's is history
    for ruleset_id, status in (
        ("language-thresholds-order318-amended", ["status", "history"]),
        ("language-courses-order318-amended", ["status", "history"]),
        ("language-thresholds-order318-2018", ["status", "in", "force"]),
        ("language-courses-order318-2018", ["status", "in", "force"]),
    ):
        assert lines[lines.index(ruleset_id) + 1].split() == status, ruleset_id


POLICY_ROWS: Ruleset = parse_ruleset(
    {
        "id": "policy-rows-under-test",
        "kind": "language_thresholds",
        "title": "a ruleset with one policy row",
        "sources": [{"seed": SEED_001, "section": "x", "lines": "497-500"}],
        "rows": [
            {"source_lines": "498", "programmes": ["masters"]},
            {"source_lines": "499", "policy": True, "notes": "CIP decided that ..."},
        ],
    }
)


class TestShow:
    def show(self, ruleset_id: str) -> Any:
        result = bolashak_here(["rules", "show", ruleset_id], {})
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    def test_a_policy_ruleset_is_shown_marked(self) -> None:
        shown = self.show("cip-policy-status-revocation")
        assert (shown["policy"], shown["policy_rows"]) == (True, [])
        assert "What CIP decided" in shown["notes"]

    def test_a_ruleset_of_the_seeds_is_shown_unmarked(self) -> None:
        shown = self.show("contract-deadline")
        assert (shown["policy"], shown["policy_rows"]) == (False, [])

    def test_the_policy_rows_of_a_ruleset_are_named(self, monkeypatch: pytest.MonkeyPatch) -> None:
        with_rows = {**catalog.all_rulesets(), POLICY_ROWS.id: POLICY_ROWS}
        monkeypatch.setattr(catalog, "all_rulesets", lambda: with_rows)
        shown = self.show(POLICY_ROWS.id)
        assert (shown["policy"], shown["policy_rows"]) == (False, ["rows[1] (lines 499)"])
        assert shown["data"]["rows"][1]["policy"] is True
