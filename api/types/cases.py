"""Cases as the back-office reads them (from the case list read model, or, right after a
command, folded from the case's own events with the same projection code)."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any, TypeVar

import strawberry

from api.types.enums import PII
from domain.case.events import CourseRoute
from domain.case.stage import CaseStatus, Stage
from domain.programme import Category, Programme, StudyDirection, StudyLanguage
from domain.submission import Document
from projections.case_list import documents_of

E = TypeVar("E", bound=Enum)


@strawberry.type(description="Personal data of the applicant: restricted.")
class Applicant:
    full_name: str
    iin: str
    birth_date: date
    email: str
    phone: str


@strawberry.type(name="Application", description="One scholarship application (a case).")
class ApplicationView:
    """The case as the case list shows it (GraphQL type ``Application``; the aggregate is
    ``domain.case.application.Application``)."""

    id: strawberry.ID
    applicant_code: str
    stage: Stage
    status: CaseStatus
    programme: Programme
    category: Category
    country: str
    institution: str
    specialty: str
    direction: StudyDirection
    language: StudyLanguage
    campaign_year: int
    intake_window: int
    gpa: float | None
    submitted_on: date
    eligible: bool | None
    assessed_on: date | None
    tested_on: date | None
    interview_slot_at: datetime | None
    interview_score: float | None
    decided_on: date | None
    awarded_on: date | None
    contract_deadline: date | None
    contracts_signed_on: date | None
    revoked_on: date | None
    withdrawn_on: date | None
    departed_on: date | None
    returned_on: date | None
    work_off_ends_on: date | None
    missing_documents: list[Document] = strawberry.field(
        description="The documents of the package still missing at its last check (001"
        ' "НЕОБХОДИМЫЙ ПАКЕТ ДОКУМЕНТОВ"); none before the first check.'
    )
    course_route: CourseRoute | None = strawberry.field(
        description="Where the applicant's language certificates lead after the award:"
        " courses in Kazakhstan, courses abroad or straight to study (Order 318 appendix 1,"
        " seed 002 lines 862-866); null until the rules or an officer reach one."
    )
    last_event_on: date
    version: int
    updated_at: datetime
    applicant: Applicant | None = strawberry.field(
        default=None,
        metadata={PII: True},
        description="Name, IIN, birth date and contacts (not for the interview experts).",
    )

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ApplicationView:
        """From a case list row (with the personal data columns when allowed).

        Built without ``__init__`` and written out field by field (a page holds many
        cases, and this runs for every one): every field is set here. Dates and times
        stay the read model's ISO text, which the scalars write as it is
        (``api/scalars.py``): parsing them only to write them back cost a page ~130
        conversions each way."""
        application: ApplicationView = object.__new__(cls)
        application.__dict__.update(
            id=row["application_id"],
            applicant_code=row["applicant_code"],
            stage=_STAGES[row["stage"]],
            status=_STATUSES[row["status"]],
            programme=_PROGRAMMES[row["programme"]],
            category=_CATEGORIES[row["category"]],
            country=row["country"],
            institution=row["institution"],
            specialty=row["specialty"],
            direction=_DIRECTIONS[row["direction"]],
            language=_LANGUAGES[row["language"]],
            campaign_year=int(row["campaign_year"]),
            intake_window=int(row["intake_window"]),
            gpa=None if row["gpa"] is None else float(row["gpa"]),
            submitted_on=row["submitted_on"],
            eligible=None if row["eligible"] is None else bool(row["eligible"]),
            assessed_on=row["assessed_on"] or None,
            tested_on=row["tested_on"] or None,
            interview_slot_at=row["interview_slot_at"] or None,
            interview_score=None
            if row["interview_score"] is None
            else float(row["interview_score"]),
            decided_on=row["decided_on"] or None,
            awarded_on=row["awarded_on"] or None,
            contract_deadline=row["contract_deadline"] or None,
            contracts_signed_on=row["contracts_signed_on"] or None,
            revoked_on=row["revoked_on"] or None,
            withdrawn_on=row["withdrawn_on"] or None,
            departed_on=row["departed_on"] or None,
            returned_on=row["returned_on"] or None,
            work_off_ends_on=row["work_off_ends_on"] or None,
            missing_documents=documents_of(row["missing_documents"]),
            course_route=_ROUTES[row["course_route"]] if row["course_route"] else None,
            last_event_on=row["last_event_on"],
            version=int(row["version"]),
            updated_at=row["updated_at"],
            applicant=_applicant(row) if row.get("iin") else None,
        )
        return application


def _applicant(row: dict[str, Any]) -> Applicant:
    return Applicant(
        full_name=row["full_name"],
        iin=row["iin"],
        birth_date=row["birth_date"],  # ISO text, as above
        email=row["email"],
        phone=row["phone"],
    )


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class ApplicationEdge:
    cursor: str
    node: ApplicationView


@strawberry.type(description="A page of cases (Relay connection, keyset pagination).")
class ApplicationConnection:
    edges: list[ApplicationEdge]
    page_info: PageInfo


@strawberry.input(description="Filters of the case list; all given filters must match.")
class ApplicationFilter:
    stage: Stage | None = None
    status: CaseStatus | None = None
    programme: Programme | None = None
    category: Category | None = None
    country: str | None = None
    institution: str | None = None
    specialty: str | None = None
    direction: StudyDirection | None = None
    language: StudyLanguage | None = None
    campaign_year: int | None = None
    intake_window: int | None = None
    submitted_from: date | None = None
    submitted_to: date | None = None
    code: str | None = strawberry.field(
        default=None, description="The applicant code, or its beginning."
    )


def _by_value(enum: type[E]) -> dict[Any, E]:
    return {m.value: m for m in enum}


_STAGES = _by_value(Stage)
_STATUSES = _by_value(CaseStatus)
_PROGRAMMES = _by_value(Programme)
_CATEGORIES = _by_value(Category)
_DIRECTIONS = _by_value(StudyDirection)
_LANGUAGES = _by_value(StudyLanguage)
_ROUTES = _by_value(CourseRoute)
