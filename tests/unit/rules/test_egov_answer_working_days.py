"""The eGov answer's deadline: «Срок оказания услуги: 2 рабочих дня» (seed 001 lines 532-533,
on the eGov portal, «Портал электронного правительства», line 527). Working days are CIP
policy (``cip-policy-working-days-kz-holidays``): Monday to Friday less Kazakhstan's public
holidays from the ``holidays`` package, with the weekend days a decree made working days
listed by hand."""

from __future__ import annotations

from datetime import date, timedelta

import holidays
import pytest

from domain.rules import catalog
from domain.rules.timings import WORKING_DAYS, add_working_days, egov_answer_due, public_holidays

RULESET = "cip-policy-working-days-kz-holidays"


def test_the_ruleset_in_force_takes_public_holidays_from_the_package() -> None:
    ruleset = catalog.newest_in_force(WORKING_DAYS, date(2023, 4, 20))
    assert ruleset.id == RULESET
    assert ruleset.policy
    assert ruleset.data["public_holidays"] == "KZ"
    assert "cip-policy-working-days" in ruleset.supersedes
    assert {(s.seed, s.lines) for s in ruleset.sources} == {("001_ae4fa7f8f80c9f9c.txt", "532-533")}


@pytest.mark.parametrize(
    ("submitted", "due", "why"),
    [
        (date(2023, 4, 20), date(2023, 4, 24), "Thursday: Friday, then Monday"),
        (date(2023, 3, 20), date(2023, 3, 27), "Nauryz, 21-23 March 2023, are days off"),
        (date(2023, 5, 5), date(2023, 5, 11), "8 May (observed) and 9 May are days off"),
        (date(2023, 7, 5), date(2023, 7, 11), "Capital Day and the day off moved to 7 July"),
        (date(2023, 6, 30), date(2023, 7, 3), "Saturday 1 July 2023 was made a working day"),
        (date(2023, 12, 15), date(2023, 12, 20), "Independence Day observed on Monday 18th"),
        (date(2025, 1, 2), date(2025, 1, 6), "3 January off, Sunday 5 January a working day"),
    ],
)
def test_the_egov_intake_is_answered_within_two_working_days_less_public_holidays(
    submitted: date, due: date, why: str
) -> None:
    assert egov_answer_due(submitted) == due, why


def test_every_weekday_the_package_gives_as_a_holiday_is_not_counted() -> None:
    """The package, not a hand list: each of its 2023 days off on a weekday is skipped."""
    weekdays = [d for d in holidays.country_holidays("KZ", years=2023) if d.isoweekday() <= 5]
    assert len(weekdays) >= 10
    for day in weekdays:
        assert day in public_holidays("KZ", 2023)
        assert add_working_days(day - timedelta(days=1), 1) != day


def test_each_listed_working_weekend_day_matches_a_day_off_the_package_moved() -> None:
    """The hand list holds only what the package does not give: a weekend day a decree made
    a working day, whose day off the package names as substituted from it."""
    ruleset = catalog.get(RULESET)
    for day in ruleset.data["working_weekend_days"]:
        assert day.isoweekday() in (6, 7), day
        names = holidays.country_holidays("KZ", years=day.year, language="en_US")
        moved = [d for d, name in names.items() if day.strftime("%m/%d/%Y") in name]
        assert moved, f"no day off substituted from {day} in the package"
