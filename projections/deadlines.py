"""Deadlines: the 90-day contract deadline of every award (000 lines 36-45; 001 line 445),
language-course terms and work-off terms, and the time limits CIP and the commission keep:
the eGov intake answered within 2 working days (001 lines 532-533), the commission's
protocol within 10 days and the winners list the day after (000 lines 473-477). Each is open
until met ("met", or "late" when met after its day), revoked, withdrawn or cancelled.

The limits CIP and the commission keep only alert (``domain/rules/timings.py``): an open one
past its day is overdue in the query, a late one stays visible as "late"; neither changes
the case."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from typing_extensions import override

from domain.case import events as ev
from domain.rules import timings
from projections.base import Projection, case_key
from projections.case_header import header, header_of, header_table
from projections.rows import Key, Row, Rows
from projections.schema import Table

DEADLINES = Table(
    "deadlines",
    columns=(
        ("application_id", "text"),
        ("kind", "text"),
        ("applicant_code", "text"),
        ("programme", "text"),
        ("category", "text"),
        ("starts_on", "text"),
        ("due_on", "text"),
        ("state", "text"),
        ("closed_on", "text"),
    ),
    key=("application_id", "kind"),
    indexes=(("kind", "state", "due_on"),),
)
DEADLINE_CASES = header_table("deadline_cases")
CONTRACT, COURSE, WORK_OFF = "contract", "language_course", "work_off"
EGOV, PROTOCOL, LIST = "egov_intake", "commission_protocol", "winners_list"
KINDS = (CONTRACT, COURSE, WORK_OFF, EGOV, PROTOCOL, LIST)
TIME_LIMITS = frozenset({EGOV, PROTOCOL, LIST})  # CIP's and the commission's: alerts only


class DeadlinesProjection(Projection):
    name = "deadlines"
    version = 3  # 2: the eGov intake, the commission's protocol and the winners list; 3: the
    # eGov answer counts working days less public holidays (cip-policy-working-days-kz-holidays)
    tables = (DEADLINES, DEADLINE_CASES)
    handles = (
        ev.Submitted,
        ev.EligibilityAssessed,
        ev.ReferredToOfficer,
        ev.ReferralClosed,
        ev.Refused,
        ev.WinnersListPublished,
        ev.Awarded,
        ev.ContractsSigned,
        ev.StatusRevoked,
        ev.Withdrawn,
        ev.LanguageCourseAssigned,
        ev.Departed,
        ev.WorkOffStarted,
        ev.WorkOffCompleted,
    )

    @override
    def keys(self, event: ev.CaseEvent) -> Iterable[tuple[Table, Key]]:
        case_id = case_key(event)
        return [(DEADLINE_CASES, (case_id,)), *((DEADLINES, (case_id, k)) for k in KINDS)]

    @override
    def apply(self, rows: Rows, event: ev.CaseEvent, position: int) -> None:
        case_id, on = case_key(event), event.meta.occurred_on
        match event:
            case ev.Submitted():
                rows.put(DEADLINE_CASES, header_of(case_id, event))
                _open(rows, case_id, EGOV, on, timings.egov_answer_due(on))
            case ev.EligibilityAssessed() | ev.ReferredToOfficer():
                _close(rows, case_id, EGOV, "met", on)
            case ev.Refused():
                _protocol(rows, case_id, event.protocol_date, on)
            case ev.Awarded():
                _protocol(rows, case_id, event.protocol_date, on)
                _open(rows, case_id, LIST, on, timings.winners_list_due(on))
                _open(rows, case_id, CONTRACT, event.protocol_date, event.contract_deadline)
            case ev.WinnersListPublished():
                _close(rows, case_id, LIST, "met", on)
            case ev.ReferralClosed() if event.decision is ev.ReviewDecision.NO_COURSE:
                _close(rows, case_id, COURSE, "cancelled", on)
            case ev.ContractsSigned():
                _close(rows, case_id, CONTRACT, "met", on)
            case ev.LanguageCourseAssigned():
                months = event.months_in_kazakhstan + event.months_abroad
                _open(rows, case_id, COURSE, on, add_months(on, months))
            case ev.Departed():
                _close(rows, case_id, COURSE, "met", on)
            case ev.WorkOffStarted():
                _open(rows, case_id, WORK_OFF, on, event.ends_on)
            case ev.WorkOffCompleted():
                _close(rows, case_id, WORK_OFF, "met", on)
            case ev.StatusRevoked() | ev.Withdrawn():
                for kind in KINDS:
                    _close(
                        rows,
                        case_id,
                        kind,
                        "revoked" if isinstance(event, ev.StatusRevoked) else "withdrawn",
                        on,
                    )


def add_months(start: date, months: int) -> date:
    month = start.month - 1 + months
    year, month = start.year + month // 12, month % 12 + 1
    for day in (start.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _open(rows: Rows, case_id: str, kind: str, starts: date, due: date) -> None:
    row: Row = {
        "application_id": case_id,
        "kind": kind,
        "starts_on": starts.isoformat(),
        "due_on": due.isoformat(),
        "state": "open",
        "closed_on": None,
        **header(rows, DEADLINE_CASES, case_id),
    }
    rows.put(DEADLINES, row)


def _close(rows: Rows, case_id: str, kind: str, state: str, on: date) -> None:
    """Closes an open deadline; a time limit met after its day is recorded as "late"."""
    row = rows.get(DEADLINES, (case_id, kind))
    if row is not None and row["state"] == "open":
        late = kind in TIME_LIMITS and state == "met" and on.isoformat() > row["due_on"]
        row.update(state="late" if late else state, closed_on=on.isoformat())
        rows.put(DEADLINES, row)


def _protocol(rows: Rows, case_id: str, protocol_date: date, received_on: date) -> None:
    """The protocol reached CIP (the decision is recorded) on ``received_on``."""
    _open(rows, case_id, PROTOCOL, protocol_date, timings.protocol_due(protocol_date))
    _close(rows, case_id, PROTOCOL, "met", received_on)
