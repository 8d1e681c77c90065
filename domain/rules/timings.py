"""Time limits of the selection that bind CIP and the commission, not the applicant.

* ``egov_answer_due``: the eGov intake is answered within «2 рабочих дня» (001 lines 532-533,
  ruleset ``egov-intake-answer``; working days: ``cip-policy-working-days``).
* ``protocol_due``: the Republican Commission's protocol reaches CIP within 10 days of the
  meeting (000 lines 473-477, ``selection-timings``).
* ``winners_list_due``: the winners list is published one day after the protocol reached CIP
  (the same lines).

A missed limit only alerts: the seeds state no consequence for the case (see the rulesets'
notes), so the deadlines read model shows the breach and nothing else changes.
"""

from __future__ import annotations

from datetime import date, timedelta

from domain.rules import catalog

EGOV = "egov_intake_answer"
SELECTION = "selection_timings"
WORKING_DAYS = "working_days"


def egov_answer_due(submitted_on: date) -> date:
    """The last working day on which the intake is answered in time."""
    days = int(catalog.newest_in_force(EGOV, submitted_on).data["working_days"])
    return add_working_days(submitted_on, days)


def add_working_days(start: date, days: int) -> date:
    weekdays = set(catalog.newest_in_force(WORKING_DAYS, start).data["weekdays"])
    day, left = start, days
    while left > 0:
        day += timedelta(days=1)
        if day.isoweekday() in weekdays:
            left -= 1
    return day


def protocol_due(protocol_date: date) -> date:
    days = int(catalog.newest_in_force(SELECTION, protocol_date).data["protocol_days"])
    return protocol_date + timedelta(days=days)


def winners_list_due(protocol_received_on: date) -> date:
    ruleset = catalog.newest_in_force(SELECTION, protocol_received_on)
    return protocol_received_on + timedelta(days=int(ruleset.data["list_days_after_protocol"]))
