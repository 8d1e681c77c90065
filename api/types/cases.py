"""Cases as the back-office reads them (from the case list read model, or, right after a
command, folded from the case's own events with the same projection code)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry

from api.types.enums import PII
from domain.case.stage import CaseStatus, Stage
from domain.programme import Category, Programme, StudyDirection, StudyLanguage


@strawberry.type(description="Personal data of the applicant: restricted.")
class Applicant:
    full_name: str
    iin: str
    birth_date: date
    email: str
    phone: str


@strawberry.type(description="One scholarship application (a case).")
class Application:
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
    last_event_on: date
    version: int
    updated_at: datetime
    applicant: Applicant | None = strawberry.field(
        default=None,
        metadata={PII: True},
        description="Name, IIN, birth date and contacts (not for the interview experts).",
    )

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Application:
        applicant = None
        if row.get("iin"):
            applicant = Applicant(
                full_name=row["full_name"],
                iin=row["iin"],
                birth_date=date.fromisoformat(row["birth_date"]),
                email=row["email"],
                phone=row["phone"],
            )
        return cls(
            id=strawberry.ID(row["application_id"]),
            applicant_code=row["applicant_code"],
            stage=Stage(row["stage"]),
            status=CaseStatus(row["status"]),
            programme=Programme(row["programme"]),
            category=Category(row["category"]),
            country=row["country"],
            institution=row["institution"],
            specialty=row["specialty"],
            direction=StudyDirection(row["direction"]),
            language=StudyLanguage(row["language"]),
            campaign_year=int(row["campaign_year"]),
            intake_window=int(row["intake_window"]),
            gpa=_float(row["gpa"]),
            submitted_on=date.fromisoformat(row["submitted_on"]),
            eligible=None if row["eligible"] is None else bool(row["eligible"]),
            assessed_on=_date(row["assessed_on"]),
            tested_on=_date(row["tested_on"]),
            interview_slot_at=_datetime(row["interview_slot_at"]),
            interview_score=_float(row["interview_score"]),
            decided_on=_date(row["decided_on"]),
            awarded_on=_date(row["awarded_on"]),
            contract_deadline=_date(row["contract_deadline"]),
            contracts_signed_on=_date(row["contracts_signed_on"]),
            revoked_on=_date(row["revoked_on"]),
            withdrawn_on=_date(row["withdrawn_on"]),
            departed_on=_date(row["departed_on"]),
            returned_on=_date(row["returned_on"]),
            work_off_ends_on=_date(row["work_off_ends_on"]),
            last_event_on=date.fromisoformat(row["last_event_on"]),
            version=int(row["version"]),
            updated_at=datetime.fromisoformat(row["updated_at"]),
            applicant=applicant,
        )


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class ApplicationEdge:
    cursor: str
    node: Application


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


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _datetime(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _float(value: float | None) -> float | None:
    return None if value is None else float(value)
