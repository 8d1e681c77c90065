"""The NEC interview evaluation sheet (002 appendix 6, ruleset interview-sheet-2017).

Five criteria, each scored 5 (excellent), 4 (good), 3 (satisfactory) or 2 (unsatisfactory),
and the member's recommendation. The final grade is filled by a CIP employee.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from domain.rules import catalog

RULESET_ID = "interview-sheet-2017"


@dataclass(frozen=True)
class Criterion:
    key: str
    title: str
    original: str


@cache
def criteria() -> tuple[Criterion, ...]:
    return tuple(Criterion(**c) for c in catalog.get(RULESET_ID).data["criteria"])


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
