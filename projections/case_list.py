"""Case list: one row per application for the back-office, personal data kept apart.

``case_list`` holds what case work filters and sorts on (stage, status, programme,
category, country, institution, specialty, intake window, key dates, applicant code).
``case_pii`` holds the applicant's identity (name, IIN, birth date, contacts) sealed under
the case's own data key, as the events hold it, and a keyed digest of the IIN to find a
person's cases: nothing in it reads without the key, so erasure (destroying the key) makes
the row unreadable at once, wherever it was copied. Readers open it with the wrapped key
read in the same query (``projections/queries/cases.py``), so an erasure committed by any
process is seen by the next read of every process. The erasure event deletes the row; a
rebuild after it writes none (the identity no longer opens).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import orjson
from typing_extensions import override

from domain.case import events as ev
from domain.case.personal import Sealer
from domain.rules.grade_equivalence import normalise_gpa
from domain.submission import ApplicantIdentity, Document
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
        ("missing_documents", "text"),  # documents_text
        ("course_route", "text"),
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
        ("iin_digest", "text"),  # Sealer.digest of the IIN
        ("sealed", "text"),  # identity_plaintext, sealed under the case's data key
    ),
    key=("application_id",),
    indexes=(("iin_digest",),),
)
PII_COLUMNS = ("full_name", "iin", "birth_date", "email", "phone")  # as the identity opens
KEYS_TABLE = "applicant_keys"  # the wrapped data keys (infra/pii/keys.py), one row per case


class CaseListProjection(Projection):
    """``sealer``: the store's keeper of data keys. Without one (a case folded in memory
    for a mutation's answer) ``case_pii`` is not written."""

    name = "case_list"
    # v2: case_pii sealed (v1 held the identity in clear); v3: the missing documents and
    # the language-course route (a rebuild)
    version = 3
    tables = (CASE_LIST, CASE_PII)
    handles = ev.EVENT_TYPES

    def __init__(self, sealer: Sealer | None = None) -> None:
        self.sealer = sealer

    @override
    def keys(self, event: ev.CaseEvent) -> Iterable[tuple[Table, Key]]:
        return [(CASE_LIST, (case_key(event),))]

    @override
    def apply(self, rows: Rows, event: ev.CaseEvent, position: int) -> None:
        case_id = case_key(event)
        row = rows.get(CASE_LIST, (case_id,)) or {"application_id": case_id}
        if isinstance(event, ev.Submitted) and event.applicant is not None:
            self._put_identity(rows, event)
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

    def _put_identity(self, rows: Rows, event: ev.Submitted) -> None:
        if self.sealer is None:
            return
        applicant = event.applicant
        assert applicant is not None
        sealed = self.sealer.seal_existing(event.originator_id, identity_plaintext(applicant))
        if sealed is None:  # erased after this event was read: nothing to keep
            return
        digest = self.sealer.digest(applicant.iin)
        rows.put(
            CASE_PII, {"application_id": case_key(event), "iin_digest": digest, "sealed": sealed}
        )


def identity_row(applicant: ApplicantIdentity) -> Row:
    """The identity's columns as readers get them (``PII_COLUMNS``)."""
    return {
        "full_name": applicant.full_name,
        "iin": applicant.iin,
        "birth_date": applicant.birth_date.isoformat(),
        "email": applicant.email,
        "phone": applicant.phone,
    }


def identity_plaintext(applicant: ApplicantIdentity) -> bytes:
    """What ``case_pii.sealed`` seals: the identity's columns as JSON."""
    return orjson.dumps(identity_row(applicant))


def identity_columns(plaintext: bytes) -> Row:
    """The columns of an opened ``case_pii.sealed``."""
    found: Row = orjson.loads(plaintext)
    return found


def changes(event: ev.CaseEvent) -> dict[str, Any]:
    """The columns one event sets (besides stage, status and the bookkeeping)."""
    found = _CHANGES.get(type(event))
    return found(event) if found is not None else {}


def _on(event: ev.CaseEvent) -> str:
    return event.meta.occurred_on.isoformat()


def documents_text(documents: Iterable[Document]) -> str:
    """``missing_documents``' text: the documents' values, comma-separated."""
    return ",".join(d.value for d in documents)


def documents_of(text: str | None) -> list[Document]:
    """The documents of a ``missing_documents`` text (none for NULL: not checked yet)."""
    return [Document(value) for value in text.split(",")] if text else []


def _route(route: ev.CourseRoute | None) -> str | None:
    return None if route is None else route.value


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


# One function per event type (looked up by type: a ``match`` tried each class in turn).
_CHANGES: dict[type[ev.CaseEvent], Callable[[Any], Row]] = {
    ev.Submitted: _submitted,
    ev.EligibilityAssessed: lambda e: {
        "eligible": int(e.eligible),
        "assessed_on": _on(e),
        "course_route": _route(e.route),
    },
    ev.DocumentsChecked: lambda e: {"missing_documents": documents_text(e.missing)},
    ev.ReferredToOfficer: lambda e: {} if e.route is None else {"course_route": e.route.value},
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
