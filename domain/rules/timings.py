"""Time limits of the selection that bind CIP and the commission, not the applicant.

* ``egov_answer_due``: the eGov intake is answered within «2 рабочих дня» (001 lines 532-533,
  ruleset ``egov-intake-answer``; working days: ``cip-policy-working-days-kz-holidays``:
  Monday to Friday less Kazakhstan's public holidays from the ``holidays`` package, with the
  weekend days a decree made working days listed by CIP).
* ``protocol_due``: the Republican Commission's protocol reaches CIP within 10 days of the
  meeting (000 lines 473-477, ``selection-timings``).
* ``winners_list_due``: the winners list is published one day after the protocol reached CIP
  (the same lines).

A missed limit only alerts: the seeds state no consequence for the case (see the rulesets'
notes), so the deadlines read model shows the breach and nothing else changes.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import holidays

from domain.rules import catalog
from domain.rules.ruleset import Ruleset

EGOV = "egov_intake_answer"
SELECTION = "selection_timings"
WORKING_DAYS = "working_days"


def egov_answer_due(submitted_on: date) -> date:
    """The last working day on which the intake is answered in time."""
    days = int(catalog.newest_in_force(EGOV, submitted_on).data["working_days"])
    return add_working_days(submitted_on, days)


def add_working_days(start: date, days: int) -> date:
    """The ``days``-th working day after ``start``, under the working-days ruleset in force
    on ``start``."""
    ruleset = catalog.newest_in_force(WORKING_DAYS, start)
    day, left = start, days
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day, ruleset):
            left -= 1
    return day


def is_working_day(day: date, ruleset: Ruleset) -> bool:
    """A weekday of the ruleset that is not a public holiday of its country, or a weekend
    day the ruleset lists as made a working day."""
    if day in ruleset.data.get("working_weekend_days", ()):
        return True
    if day.isoweekday() not in ruleset.data["weekdays"]:
        return False
    country = ruleset.data.get("public_holidays")
    return country is None or day not in public_holidays(str(country), day.year)


@cache
def public_holidays(country: str, year: int) -> frozenset[date]:
    """The days off of ``country``'s public holidays in ``year`` (the ``holidays`` package:
    the holidays, their observed days, and the days off a decree moved)."""
    return frozenset(holidays.country_holidays(country, years=year))


def protocol_due(protocol_date: date) -> date:
    days = int(catalog.newest_in_force(SELECTION, protocol_date).data["protocol_days"])
    return protocol_date + timedelta(days=days)


def winners_list_due(protocol_received_on: date) -> date:
    ruleset = catalog.newest_in_force(SELECTION, protocol_received_on)
    return protocol_received_on + timedelta(days=int(ruleset.data["list_days_after_protocol"]))
