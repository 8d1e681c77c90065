"""Grade equivalence (002 appendix 5, lines 1207-1296) and GPA normalisation to 4.00."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.qualifications import Gpa, GradeScale
from domain.rules.grade_equivalence import gpa_number, normalise_gpa


@pytest.mark.parametrize(
    ("percent", "gpa"),
    [
        ("100", "4.00"),
        ("95", "4.00"),
        ("94", "3.67"),
        ("85", "3.33"),
        ("84", "3.00"),
        ("80", "3.00"),
        ("79", "2.67"),
        ("50", "1.00"),
        ("49", "0"),
    ],
)
def test_percent_maps_to_the_tables_credit_gpa(percent: str, gpa: str) -> None:
    assert normalise_gpa(Gpa(percent, GradeScale.PERCENT)) == Decimal(gpa)


@pytest.mark.parametrize(
    ("letter", "gpa"),
    [("A+", "4.00"), ("A", "4.00"), ("A-", "3.67"), ("B", "3.00"), ("c-", "1.67"), ("F", "0")],
)
def test_letter_maps_to_the_tables_credit_gpa(letter: str, gpa: str) -> None:
    assert normalise_gpa(Gpa(letter, GradeScale.LETTER)) == Decimal(gpa)


def test_a_plus_on_the_4_33_scale_equals_4_00() -> None:
    """Table row "Отлично 4,0 (4,33) A (A+)"."""
    assert normalise_gpa(Gpa("4.33", GradeScale.FOUR_THIRTY_THREE)) == Decimal("4.00")


def test_five_point_scale_is_the_credit_gpa_plus_one() -> None:
    """Line 1294: 3.30 on the credit scale corresponds to 4.30 on the traditional scale."""
    assert normalise_gpa(Gpa("4.30", GradeScale.FIVE)) == Decimal("3.30")
    assert normalise_gpa(Gpa("4.00", GradeScale.FIVE)) == Decimal("3.00")


def test_a_scale_not_in_the_table_is_left_to_the_ministry() -> None:
    """Line 1296: a GPA not in the table is considered individually by the Ministry."""
    assert normalise_gpa(Gpa("16/20", GradeScale.OTHER)) is None


@pytest.mark.parametrize(
    ("value", "scale"),
    [
        ("4.01", GradeScale.FOUR),
        ("5.5", GradeScale.FIVE),
        ("101", GradeScale.PERCENT),
        ("B++", GradeScale.LETTER),
        ("three", GradeScale.FOUR),
    ],
)
def test_a_gpa_off_its_scale_is_refused(value: str, scale: GradeScale) -> None:
    with pytest.raises(ValueError, match=r"GPA|letter"):
        gpa_number(Gpa(value, scale))
