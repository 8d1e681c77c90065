"""Intake windows of 2023 (001 lines 40-53): 9-27 Jan, 3-28 Apr, 5 Jun-7 Jul, 17 Jul-15 Sep."""

from __future__ import annotations

from datetime import date

import pytest

from domain.rules.intake_windows import OutsideIntakeWindowError, annual_awards_target, window_for


@pytest.mark.parametrize(
    ("day", "number"),
    [
        (date(2023, 1, 9), 1),
        (date(2023, 1, 27), 1),
        (date(2023, 4, 3), 2),
        (date(2023, 4, 28), 2),
        (date(2023, 6, 5), 3),
        (date(2023, 7, 7), 3),
        (date(2023, 7, 17), 4),
        (date(2023, 9, 15), 4),
    ],
)
def test_first_and_last_day_of_each_window_are_inside(day: date, number: int) -> None:
    assert window_for(day).number == number


@pytest.mark.parametrize(
    "day",
    [
        date(2023, 1, 8),
        date(2023, 1, 28),
        date(2023, 4, 29),
        date(2023, 7, 10),
        date(2023, 9, 16),
        date(2024, 1, 15),
    ],
)
def test_a_submission_dated_outside_any_window_is_refused(day: date) -> None:
    with pytest.raises(OutsideIntakeWindowError):
        window_for(day)


def test_the_2023_campaign_awards_555_scholarships() -> None:
    """001 line 36: "555 стипендий"."""
    assert annual_awards_target(2023) == 555
