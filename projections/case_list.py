"""Case list: one row per application for the back-office, personal data kept apart.

``case_list`` holds what case work filters and sorts on (stage, status, programme,
category, country, institution, specialty, intake window, key dates, applicant code).
``case_pii`` holds name, IIN, birth date and contacts: a restricted table, joined only for
roles allowed to see personal data. Erasure deletes the case's row; a rebuild after it
writes none (the identity no longer opens).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from typing_extensions import override

from domain.case import events as ev
from domain.rules.grade_equivalence import normalise_gpa
from projections.base import Projection, case_key
from projections.rows import Key, Row, Rows
from projections.schema import Table

CASE_LIST = Table(
    "case_list",
    columns=(
        ("application_id", "text"),
        ("applicant_code", "text"),
        ("stage", "text"),
        ("status", "text"),
        ("programme", "text"),
        ("category", "text"),
        ("country", "text"),
        ("institution", "text"),
        ("specialty", "text"),
        ("direction", "text"),
        ("language", "text"),
        ("campaign_year", "int"),
        ("intake_window", "int"),
        ("gpa", "float"),
        ("submitted_on", "text"),
        ("eligible", "int"),
        ("assessed_on", "text"),
        ("tested_on", "text"),
        ("interview_slot_at", "text"),
        ("interview_score", "float"),
        ("decided_on", "text"),
        ("awarded_on", "text"),
        ("contract_deadline", "text"),
        ("contracts_signed_on", "text"),
        ("revoked_on", "text"),
        ("withdrawn_on", "text"),
        ("departed_on", "text"),
        ("returned_on", "text"),
        ("work_off_ends_on", "text"),
        ("last_event_on", "text"),
        ("version", "int"),
        ("position", "int"),
        ("updated_at", "text"),
    ),
    key=("application_id",),
    # Filters combine with the default sort (submission date): each common filter has an
    # index that also gives that order, so a page stays cheap however many cases there are.
    indexes=(
        ("stage", "submitted_on", "application_id"),
        ("status", "submitted_on", "application_id"),
        ("programme", "category", "submitted_on", "application_id"),
        ("country", "submitted_on", "application_id"),
        ("campaign_year", "intake_window", "submitted_on", "application_id"),
        ("applicant_code", "application_id"),
        ("submitted_on", "application_id"),
        ("last_event_on", "application_id"),
        ("updated_at", "application_id"),
        ("COALESCE(contract_deadline, '')", "application_id"),
        ("COALESCE(interview_score, -1.0)", "application_id"),
    ),
)
CASE_PII = Table(
    "case_pii",
    columns=(
        ("application_id", "text"),
        ("full_name", "text"),
        ("iin", "text"),
        ("birth_date", "text"),
        ("email", "text"),
        ("phone", "text"),
    ),
    key=("application_id",),
    indexes=(("iin",),),
)
PII_COLUMNS = ("full_name", "iin", "birth_date", "email", "phone")


class CaseListProjection(Projection):
    name = "case_list"
    tables = (CASE_LIST, CASE_PII)
    handles = ev.EVENT_TYPES

    @override
    def keys(self, event: ev.CaseEvent) -> Iterable[tuple[Table, Key]]:
        return [(CASE_LIST, (case_key(event),))]

    @override
    def apply(self, rows: Rows, event: ev.CaseEvent, position: int) -> None:
        case_id = case_key(event)
        row = rows.get(CASE_LIST, (case_id,)) or {"application_id": case_id}
        if isinstance(event, ev.Submitted) and event.applicant is not None:
            rows.put(CASE_PII, _pii(case_id, event))
        elif isinstance(event, ev.PersonalDataErased):
            rows.delete(CASE_PII, (case_id,))
        row.update(changes(event))
        row["last_event_on"] = event.meta.occurred_on.isoformat()
        row["version"] = event.originator_version
        row["position"] = position
        row["updated_at"] = event.timestamp.isoformat()
        stage = event.stage_after()
        if stage is not None:
            row["stage"], row["status"] = stage.value, stage.status.value
        rows.put(CASE_LIST, row)


def changes(event: ev.CaseEvent) -> dict[str, Any]:
    """The columns one event sets (besides stage, status and the bookkeeping)."""
    found = _CHANGES.get(type(event))
    return found(event) if found is not None else {}


def _on(event: ev.CaseEvent) -> str:
    return event.meta.occurred_on.isoformat()


def _awarded(event: ev.Awarded) -> Row:
    return {
        "decided_on": event.protocol_date.isoformat(),
        "awarded_on": event.protocol_date.isoformat(),
        "contract_deadline": event.contract_deadline.isoformat(),
    }


def _submitted(event: ev.Submitted) -> Row:
    plan, background = event.plan, event.background
    gpa = normalise_gpa(background.gpa) if background.gpa is not None else None
    return {
        "applicant_code": event.applicant_code,
        "programme": plan.programme.value,
        "category": plan.category.value,
        "country": plan.country,
        "institution": plan.institution,
        "specialty": plan.specialty,
        "direction": plan.direction.value,
        "language": plan.language.value,
        "campaign_year": event.campaign_year,
        "intake_window": event.intake_window,
        "gpa": float(gpa) if gpa is not None else None,
        "submitted_on": event.meta.occurred_on.isoformat(),
    }


def _pii(case_id: str, event: ev.Submitted) -> Row:
    a = event.applicant
    assert a is not None  # an erased identity has no row
    return {
        "application_id": case_id,
        "full_name": a.full_name,
        "iin": a.iin,
        "birth_date": a.birth_date.isoformat(),
        "email": a.email,
        "phone": a.phone,
    }


# One function per event type (looked up by type: a ``match`` tried each class in turn).
_CHANGES: dict[type[ev.CaseEvent], Callable[[Any], Row]] = {
    ev.Submitted: _submitted,
    ev.EligibilityAssessed: lambda e: {"eligible": int(e.eligible), "assessed_on": _on(e)},
    ev.TestingCompleted: lambda e: {"tested_on": _on(e)},
    ev.InterviewSlotBooked: lambda e: {"interview_slot_at": e.slot_at.isoformat()},
    ev.InterviewCompleted: lambda e: {"interview_score": float(e.final_score)},
    ev.Awarded: _awarded,
    ev.Refused: lambda e: {"decided_on": e.protocol_date.isoformat()},
    ev.ContractsSigned: lambda e: {"contracts_signed_on": _on(e)},
    ev.StatusRevoked: lambda e: {"revoked_on": _on(e)},
    ev.Withdrawn: lambda e: {"withdrawn_on": _on(e)},
    ev.Departed: lambda e: {"departed_on": _on(e)},
    ev.Returned: lambda e: {"returned_on": _on(e)},
    ev.WorkOffStarted: lambda e: {"work_off_ends_on": e.ends_on.isoformat()},
}
