"""Work-off after return (001 lines 114, 146, 183-186, 277, 341, 419)."""

from __future__ import annotations

from datetime import date

import pytest

from domain.programme import Category, Programme
from domain.rules.work_off import work_off_term

AWARDED = date(2023, 6, 10)


@pytest.mark.parametrize("city", ["Astana", "Almaty", "Shymkent", " almaty "])
def test_academic_study_works_off_five_years_in_the_three_cities(city: str) -> None:
    assert work_off_term(Programme.MASTERS, Category.GENERAL, city, AWARDED).years == 5


def test_academic_study_works_off_three_years_in_the_regions() -> None:
    assert work_off_term(Programme.DOCTORATE, Category.GENERAL, "Karaganda", AWARDED).years == 3


def test_internship_works_off_at_least_three_years() -> None:
    assert work_off_term(Programme.INTERNSHIP, Category.TEACHER, "Astana", AWARDED).years == 3


@pytest.mark.parametrize(
    "category", [Category.RURAL, Category.ENGINEERING_TECHNICAL, Category.MEDICAL]
)
def test_quota_masters_work_off_at_least_three_years(category: Category) -> None:
    """001: "ОТРАБОТКА НЕ МЕНЕЕ 3 ЛЕТ" in the rural, engineering and medical procedures."""
    assert work_off_term(Programme.MASTERS, category, "Astana", AWARDED).years == 3


def test_term_ends_on_the_same_day_years_later() -> None:
    term = work_off_term(Programme.MASTERS, Category.GENERAL, "Astana", AWARDED)
    assert term.ends_on(date(2024, 9, 1)) == date(2029, 9, 1)
    assert term.ends_on(date(2024, 2, 29)) == date(2029, 2, 28)
