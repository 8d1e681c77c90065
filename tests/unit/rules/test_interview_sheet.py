"""The NEC interview sheet (002 appendix 6, lines 1311-1485): five criteria scored 2-5."""

from __future__ import annotations

from decimal import Decimal

from domain.rules.interview_sheet import criterion_keys, sheet_average, sheet_problems

FULL = dict.fromkeys(criterion_keys(), 4)


def test_the_sheet_has_the_five_criteria_of_appendix_6() -> None:
    assert criterion_keys() == (
        "professional_preparation",
        "specialty_knowledge",
        "choice_awareness",
        "strategic_documents",
        "situational_tasks",
    )


def test_scores_2_to_5_are_on_the_scale() -> None:
    assert sheet_problems(dict.fromkeys(criterion_keys(), 2)) == []
    assert sheet_problems(dict.fromkeys(criterion_keys(), 5)) == []


def test_scores_1_and_6_are_off_the_scale() -> None:
    problems = sheet_problems({**FULL, "choice_awareness": 1, "situational_tasks": 6})
    assert [key for key, _ in problems] == ["choice_awareness", "situational_tasks"]


def test_every_criterion_must_be_scored() -> None:
    scores = dict(FULL)
    del scores["strategic_documents"]
    assert sheet_problems(scores) == [("strategic_documents", "score missing")]


def test_an_unknown_criterion_is_refused() -> None:
    assert sheet_problems({**FULL, "charisma": 5})[0][0] == "charisma"


def test_sheet_average_is_rounded_to_hundredths() -> None:
    assert sheet_average({**FULL, "situational_tasks": 5}) == Decimal("4.20")
