"""What is CIP policy is labelled as such (issue 18, section 5): a ruleset or a row marked
``policy = true``, with notes saying what the seeds leave open and what CIP decided."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from domain.case.events import RevocationReason, TestingAnnulment
from domain.rules import catalog, interview_sheet, revocation
from domain.rules.catalog import parse_ruleset
from domain.rules.language_courses import course_rows
from domain.rules.language_thresholds import rows_of as threshold_rows
from domain.rules.ruleset import Ruleset, RulesetStatus
from tests.support.seeds import SEED_000, SEED_001, seed_lines

NAMED_BY_THE_ISSUE = {
    "cip-policy-interview-recommendation",
    "cip-policy-interview-final-grade",
    "cip-policy-status-revocation",
    "cip-policy-testing-annulment",
}


def ruleset(**raw: Any) -> Ruleset:
    return parse_ruleset(
        {
            "id": "under-test",
            "kind": "language_thresholds",
            "title": "a ruleset under test",
            "sources": [{"seed": SEED_001, "section": "x", "lines": "497-500"}],
            **raw,
        }
    )


class TestTheMarker:
    def test_the_policies_the_issue_names_are_labelled(self) -> None:
        policies = {r.id for r in catalog.all_rulesets().values() if r.policy}
        assert policies >= NAMED_BY_THE_ISSUE

    def test_each_says_what_the_seeds_state_leave_open_and_cip_decided(self) -> None:
        for ruleset_id in NAMED_BY_THE_ISSUE:
            notes = " ".join(catalog.get(ruleset_id).notes.split())
            for part in (r"What the seeds? states?:", r"What (it leaves|they leave) open:"):
                assert re.search(part, notes), (ruleset_id, part)
            assert "What CIP decided:" in notes, ruleset_id

    def test_a_ruleset_of_the_seeds_is_not_policy(self) -> None:
        seeds = catalog.get("eligibility-2023-campaign")
        assert (seeds.policy, seeds.has_policy, seeds.policy_rows) == (False, False, ())

    def test_a_row_marked_policy_makes_its_ruleset_hold_policy(self) -> None:
        row = {
            "source_lines": "499",
            "programmes": ["masters"],
            "languages": ["en"],
            "third": [{"test": "IELTS", "min": "6.0"}],
            "policy": True,
            "notes": "CIP decided that ...",
        }
        held = ruleset(rows=[{**row, "policy": False}, row])
        assert (held.policy, held.has_policy) == (False, True)
        assert held.policy_rows == ("rows[1] (lines 499)",)
        assert len(threshold_rows(held)) == 2  # the row parser takes the marker

    def test_a_course_row_may_be_marked_policy(self) -> None:
        row = {
            "source_lines": "497-498",
            "keywords": ["9+3"],
            "programmes": ["masters"],
            "certificate": [{"test": "IELTS", "min": "5.0", "max": "5.0"}],
            "months_in_kazakhstan": 9,
            "months_abroad": 3,
            "policy": True,
            "notes": "CIP decided that ...",
        }
        held = ruleset(kind="language_courses", internship_months=6, rows=[row])
        assert held.policy_rows == ("rows[0] (lines 497-498)",)
        assert len(course_rows(held)) == 1

    def test_a_category_block_may_be_marked_policy(self) -> None:
        block = {"programmes": ["doctorate"], "policy": True, "notes": "CIP decided that ..."}
        assert ruleset(kind="eligibility", categories=[block]).has_policy

    def test_a_marker_that_is_not_true_or_false_is_refused(self) -> None:
        with pytest.raises(ValueError, match="policy must be true or false"):
            ruleset(policy="yes", notes="CIP decided")

    def test_policy_without_notes_is_refused(self) -> None:
        with pytest.raises(ValueError, match="under-test: policy = true needs notes"):
            ruleset(policy=True)
        with pytest.raises(ValueError, match=r"under-test.rows\[0\]: policy = true needs notes"):
            ruleset(rows=[{"source_lines": "499", "policy": True}])


PERIOD = {"effective_from": date(2023, 1, 1), "effective_to": date(2023, 12, 31)}


class TestStatus:
    def test_a_ruleset_is_in_force_within_its_period_both_ends_included(self) -> None:
        subject = ruleset(**PERIOD)
        for day in (date(2023, 1, 1), date(2023, 12, 31)):
            assert subject.status_on(day) is RulesetStatus.IN_FORCE

    def test_a_ruleset_whose_period_ended_is_history(self) -> None:
        assert ruleset(**PERIOD).status_on(date(2024, 1, 1)) is RulesetStatus.HISTORY

    def test_a_ruleset_whose_period_starts_later_is_not_yet(self) -> None:
        assert ruleset(**PERIOD).status_on(date(2022, 12, 31)) is RulesetStatus.NOT_YET

    def test_a_ruleset_without_dates_is_always_in_force(self) -> None:
        assert ruleset().status_on(date(1990, 1, 1)) is RulesetStatus.IN_FORCE


class TestInterviewRecommendation:
    """002 lines 1467-1471: each member recommends or not; combining them is CIP's."""

    def test_a_strict_majority_of_the_sheets_recommends(self) -> None:
        assert interview_sheet.interview_recommended([True, True, False])
        assert interview_sheet.interview_recommended([True, True, True, False])

    def test_a_tie_is_not_recommended(self) -> None:
        assert not interview_sheet.interview_recommended([True, False])
        assert not interview_sheet.interview_recommended([True, True, False, False])

    def test_no_sheet_is_no_recommendation(self) -> None:
        assert not interview_sheet.interview_recommended([])


def test_the_final_grade_is_on_the_sheets_2_to_5_scale() -> None:
    """002 lines 1482-1485 give no scale for "Итоговая оценка"; CIP's policy: 2 to 5."""
    assert interview_sheet.final_grade_range() == (2, 5)


def test_every_revocation_reason_rests_on_the_seeds_or_on_cips_policy() -> None:
    """000 lines 45-47: only the missed contract deadline is the seeds' ground."""
    assert {r: revocation.rulesets_for(r.value) for r in RevocationReason} == {
        RevocationReason.CONTRACT_DEADLINE_MISSED: ("contract-deadline",),
        RevocationReason.VIOLATION: ("cip-policy-status-revocation",),
        RevocationReason.OTHER: ("cip-policy-status-revocation",),
    }


def test_every_testing_annulment_is_a_ground_of_the_seeds_or_of_cips_policy() -> None:
    """000 lines 377-383 (window or tab closed), 385-387 (a test left unfinished): the
    results "автоматты түрде жойылады"; a violation is CIP's (cip-policy-testing-annulment)."""
    seeds = {
        TestingAnnulment.WINDOW_CLOSED: (377, 383),
        TestingAnnulment.UNFINISHED: (385, 387),
    }
    for low, high in seeds.values():
        assert "жойылады" in " ".join(seed_lines(SEED_000)[low - 1 : high])
    policy = catalog.get("cip-policy-testing-annulment")
    assert policy.policy
    assert {TestingAnnulment(g) for g in policy.data["grounds"]} == set(TestingAnnulment) - set(
        seeds
    )
