"""Grade equivalence and GPA normalisation (002 appendix 5, ruleset grade-equivalence-2017).

Every GPA is brought to the credit scale of 4.00: 4.33 caps at 4.00 (A+ = A), percent and
letter by the table's row, the 5-point traditional scale minus one (the table's own example:
3.30 credit = 4.30 traditional). A scale not in the table (``GradeScale.OTHER``) has no
equivalent here: the Ministry decides it case by case.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache

from domain.qualifications import Gpa, GradeScale
from domain.rules import catalog

RULESET_ID = "grade-equivalence-2017"
SCALE_MAXIMUM = {
    GradeScale.FOUR: Decimal("4.00"),
    GradeScale.FOUR_THIRTY_THREE: Decimal("4.33"),
    GradeScale.FIVE: Decimal("5.00"),
    GradeScale.PERCENT: Decimal(100),
}


@dataclass(frozen=True)
class EquivalenceRow:
    traditional: str
    gpa: Decimal
    letters: tuple[str, ...]
    percent_low: int
    percent_high: int


@cache
def table() -> tuple[EquivalenceRow, ...]:
    rows = []
    for raw in catalog.get(RULESET_ID).data["rows"]:
        letters = (raw["letter"], *([raw["also"]["letter"]] if "also" in raw else []))
        rows.append(
            EquivalenceRow(
                traditional=raw["traditional"],
                gpa=Decimal(raw["gpa"]),
                letters=letters,
                percent_low=raw["percent_low"],
                percent_high=raw["percent_high"],
            )
        )
    return tuple(rows)


def gpa_number(gpa: Gpa) -> Decimal:
    """The GPA's value on its own scale; raises ValueError naming the scale's range."""
    if gpa.scale is GradeScale.LETTER:
        letters = [letter for row in table() for letter in row.letters]
        if gpa.value.strip().upper() not in letters:
            raise ValueError(f"letter grade must be one of {', '.join(letters)}")
        return Decimal(0)
    try:
        value = Decimal(gpa.value.replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"GPA {gpa.value!r} is not a number") from None
    if not value.is_finite():
        raise ValueError(f"GPA {gpa.value!r} is not a finite number")
    top = SCALE_MAXIMUM.get(gpa.scale)
    if top is not None and not Decimal(0) <= value <= top:
        raise ValueError(f"GPA on the {gpa.scale.value} scale must be between 0 and {top}")
    return value


def normalise_gpa(gpa: Gpa) -> Decimal | None:
    """The GPA on the 4.00 credit scale, or None for a scale the table does not cover."""
    if gpa.scale is GradeScale.OTHER:
        return None
    value = gpa_number(gpa)
    if gpa.scale is GradeScale.LETTER:
        return _row_by_letter(gpa.value).gpa
    if gpa.scale is GradeScale.PERCENT:
        return _row_by_percent(value).gpa
    if gpa.scale is GradeScale.FIVE:
        minus = Decimal(catalog.get(RULESET_ID).data["five_point_minus"])
        return max(Decimal(0), value - minus)
    return min(value, Decimal("4.00"))


def _row_by_letter(letter: str) -> EquivalenceRow:
    wanted = letter.strip().upper()
    return next(row for row in table() if wanted in row.letters)


def _row_by_percent(percent: Decimal) -> EquivalenceRow:
    whole = int(percent)
    return next(row for row in table() if row.percent_low <= whole <= row.percent_high)
