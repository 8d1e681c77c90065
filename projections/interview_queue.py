"""Interview queue: anonymised rows for the NEC (001 "Шифрование претендента"; the sheet's
header, 002 appendix 6): applicant code, category, programme, specialty, country, language,
GPA and test results. No name, IIN, birth date or contacts: the table has no such column."""

from __future__ import annotations

from collections.abc import Iterable

from typing_extensions import override

from domain.case import events as ev
from domain.rules.grade_equivalence import normalise_gpa
from projections.base import Projection, case_key
from projections.rows import Key, Row, Rows
from projections.schema import Table

INTERVIEW_QUEUE = Table(
    "interview_queue",
    columns=(
        ("application_id", "text"),
        ("applicant_code", "text"),
        ("category", "text"),
        ("programme", "text"),
        ("specialty", "text"),
        ("bachelor_specialty", "text"),
        ("country", "text"),
        ("language", "text"),
        ("institution", "text"),
        ("gpa", "float"),
        ("kaztest", "int"),
        ("language_certificates", "text"),
        ("verbal_score", "int"),
        ("numerical_score", "int"),
        ("slot_at", "text"),
        ("sheets", "int"),
        ("queued", "int"),
    ),
    key=("application_id",),
    indexes=(("queued", "slot_at", "application_id"),),
)
_LEAVES_QUEUE = (ev.TestingAnnulled, ev.InterviewCompleted, ev.InterviewAnnulled, ev.Withdrawn)


class InterviewQueueProjection(Projection):
    name = "interview_queue"
    version = 2  # an ineligible case's row is kept (eligibility may be decided again)
    tables = (INTERVIEW_QUEUE,)
    handles = (
        ev.Submitted,
        ev.EligibilityAssessed,
        ev.TestingCompleted,
        ev.InterviewSlotBooked,
        ev.InterviewEvaluated,
        *_LEAVES_QUEUE,
    )

    @override
    def keys(self, event: ev.CaseEvent) -> Iterable[tuple[Table, Key]]:
        return [(INTERVIEW_QUEUE, (case_key(event),))]

    @override
    def apply(self, rows: Rows, event: ev.CaseEvent, position: int) -> None:
        case_id = case_key(event)
        if isinstance(event, ev.Submitted):
            rows.put(INTERVIEW_QUEUE, _candidate(case_id, event))
            return
        row = rows.get(INTERVIEW_QUEUE, (case_id,))
        if row is None:
            return  # left the selection earlier (ineligible): nothing to queue
        match event:
            case ev.EligibilityAssessed() if not event.eligible:
                row["queued"] = 0  # kept: a decision taken again may make it eligible
            case ev.TestingCompleted():
                row.update(verbal_score=event.verbal_score, numerical_score=event.numerical_score)
            case ev.InterviewSlotBooked():
                row.update(slot_at=event.slot_at.isoformat(), queued=1)
            case ev.InterviewEvaluated():
                row["sheets"] = (row["sheets"] or 0) + 1
            case _ if isinstance(event, _LEAVES_QUEUE):
                rows.delete(INTERVIEW_QUEUE, (case_id,))
                return
        rows.put(INTERVIEW_QUEUE, row)


def _candidate(case_id: str, event: ev.Submitted) -> Row:
    plan, background = event.plan, event.background
    gpa = normalise_gpa(background.gpa) if background.gpa is not None else None
    return {
        "application_id": case_id,
        "applicant_code": event.applicant_code,
        "category": plan.category.value,
        "programme": plan.programme.value,
        "specialty": plan.specialty,
        "bachelor_specialty": background.bachelor_specialty,
        "country": plan.country,
        "language": plan.language.value,
        "institution": plan.institution,
        "gpa": float(gpa) if gpa is not None else None,
        "kaztest": background.kaztest.correct_answers if background.kaztest else None,
        "language_certificates": ", ".join(c.label for c in background.certificates),
        "verbal_score": None,
        "numerical_score": None,
        "slot_at": None,
        "sheets": 0,
        "queued": 0,
    }
