"""The NEC interview evaluation sheet (002 appendix 6, ruleset interview-sheet-2017).

Five criteria, each scored 5 (excellent), 4 (good), 3 (satisfactory) or 2 (unsatisfactory),
and the member's recommendation. The final grade is filled by a CIP employee.

Two rules here are CIP policy, not the seed's (rulesets ``cip-policy-*``): the interview is
recommended when a strict majority of the sheets recommend, and the final grade is on the 2-5
scale.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import cache

from domain.rules import catalog

RULESET_ID = "interview-sheet-2017"
RECOMMENDATION_POLICY_ID = "cip-policy-interview-recommendation"
FINAL_GRADE_POLICY_ID = "cip-policy-interview-final-grade"


@dataclass(frozen=True)
class Criterion:
    key: str
    title: str
    original: str


@cache
def criteria() -> tuple[Criterion, ...]:
    return tuple(Criterion(**c) for c in catalog.get(RULESET_ID).data["criteria"])


@cache
def criterion_keys() -> tuple[str, ...]:
    return tuple(c.key for c in criteria())


def score_range() -> tuple[int, int]:
    data = catalog.get(RULESET_ID).data
    return int(data["min_score"]), int(data["max_score"])


def sheet_problems(scores: dict[str, int]) -> list[tuple[str, str]]:
    """(criterion key, problem) for every missing, unknown or out-of-scale score."""
    low, high = score_range()
    problems = [(key, "score missing") for key in criterion_keys() if key not in scores]
    for key, value in scores.items():
        if key not in criterion_keys():
            problems.append((key, f"not a criterion of the sheet ({', '.join(criterion_keys())})"))
        elif isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            problems.append((key, f"score must be a whole number from {low} to {high}"))
    return problems


def sheet_average(scores: dict[str, int]) -> Decimal:
    total = Decimal(sum(scores[k] for k in criterion_keys()))
    return (total / len(criterion_keys())).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def interview_recommended(recommendations: Sequence[bool]) -> bool:
    """CIP policy (``cip-policy-interview-recommendation``): the interview is recommended when
    more than the ruleset's share (a half) of the members' sheets recommend; no sheet, no
    recommendation."""
    share = Fraction(catalog.get(RECOMMENDATION_POLICY_ID).data["recommended_above_share"])
    return bool(recommendations) and sum(recommendations) > share * len(recommendations)


def final_grade_range() -> tuple[int, int]:
    """CIP policy (``cip-policy-interview-final-grade``): the lowest and highest final grade."""
    data = catalog.get(FINAL_GRADE_POLICY_ID).data
    return int(data["min_grade"]), int(data["max_grade"])
