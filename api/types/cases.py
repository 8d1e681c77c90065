"""Cases as the back-office reads them (from the case list read model, or, right after a
command, folded from the case's own events with the same projection code)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
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
        """From a case list row (with the personal data columns when allowed).

        Built without ``__init__`` (a page holds many cases): every field is set here."""
        application: Application = object.__new__(cls)
        values = {name: convert(row[name]) for name, convert in _CONVERT}
        values["id"] = strawberry.ID(row["application_id"])
        values["eligible"] = None if row["eligible"] is None else bool(row["eligible"])
        values["applicant"] = _applicant(row) if row.get("iin") else None
        application.__dict__.update(values)
        return application


def _applicant(row: dict[str, Any]) -> Applicant:
    return Applicant(
        full_name=row["full_name"],
        iin=row["iin"],
        birth_date=date.fromisoformat(row["birth_date"]),
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


def _by_value(enum: type[Enum]) -> Callable[[Any], Any]:
    members = {m.value: m for m in enum}
    return members.__getitem__


def _text(value: Any) -> Any:
    return value


def _int(value: Any) -> int:
    return int(value)


def _day(value: str) -> date:
    return date.fromisoformat(value)


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _datetime(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _float(value: float | None) -> float | None:
    return None if value is None else float(value)


_CONVERT: tuple[tuple[str, Callable[[Any], Any]], ...] = (
    ("applicant_code", _text),
    ("stage", _by_value(Stage)),
    ("status", _by_value(CaseStatus)),
    ("programme", _by_value(Programme)),
    ("category", _by_value(Category)),
    ("country", _text),
    ("institution", _text),
    ("specialty", _text),
    ("direction", _by_value(StudyDirection)),
    ("language", _by_value(StudyLanguage)),
    ("campaign_year", _int),
    ("intake_window", _int),
    ("gpa", _float),
    ("submitted_on", _day),
    ("assessed_on", _date),
    ("tested_on", _date),
    ("interview_slot_at", _datetime),
    ("interview_score", _float),
    ("decided_on", _date),
    ("awarded_on", _date),
    ("contract_deadline", _date),
    ("contracts_signed_on", _date),
    ("revoked_on", _date),
    ("withdrawn_on", _date),
    ("departed_on", _date),
    ("returned_on", _date),
    ("work_off_ends_on", _date),
    ("last_event_on", _day),
    ("version", _int),
    ("updated_at", datetime.fromisoformat),
)
