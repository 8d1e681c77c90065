"""Commands: what a caller asks the case service to do, one per step of the process.

Each is a small frozen dataclass, the command's input type; who asks, when and with which
idempotency key travels beside it in a ``CommandContext``; who may send it and what it
decides is its spec in ``domain/registry.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from domain.case.events import (
    ControlTestPurpose,
    ReviewDecision,
    RevocationReason,
    TestingAnnulment,
)
from domain.submission import ApplicantIdentity, Background, Document, StudyPlan


@dataclass(frozen=True)
class SubmitApplication:
    applicant: ApplicantIdentity
    plan: StudyPlan
    background: Background


@dataclass(frozen=True)
class CaseCommand:
    """A command on an existing case."""

    application_id: UUID


@dataclass(frozen=True)
class AssessEligibility(CaseCommand):
    gpa_equivalent: Decimal | None = None  # the Ministry's decision for a scale not in the table


@dataclass(frozen=True)
class ReassessEligibility(CaseCommand):
    """Decide eligibility again under the rules in force now (the reason is required)."""

    gpa_equivalent: Decimal | None = None


@dataclass(frozen=True)
class PresentDocuments(CaseCommand):
    """Record documents of the package presented after the submission."""

    documents: tuple[Document, ...]


@dataclass(frozen=True)
class DecideReview(CaseCommand):
    """An officer's decision on a case the rules left undecided (the reason is required)."""

    decision: ReviewDecision
    months_in_kazakhstan: int | None = None  # with ASSIGN_COURSE only
    months_abroad: int | None = None  # with ASSIGN_COURSE only


@dataclass(frozen=True)
class RecordTesting(CaseCommand):
    verbal_score: int
    numerical_score: int


@dataclass(frozen=True)
class AnnulTesting(CaseCommand):
    annulment: TestingAnnulment


@dataclass(frozen=True)
class BookInterview(CaseCommand):
    slot_at: datetime


@dataclass(frozen=True)
class EvaluateInterview(CaseCommand):
    scores: dict[str, int]
    recommend: bool
    comment: str


@dataclass(frozen=True)
class CompleteInterview(CaseCommand):
    final_score: Decimal


@dataclass(frozen=True)
class AnnulInterview(CaseCommand):
    pass


@dataclass(frozen=True)
class Award(CaseCommand):
    protocol_number: str
    protocol_date: date


@dataclass(frozen=True)
class AwardBeyondPlaces(CaseCommand):
    """An award the commission makes knowing the campaign's places (or the category's
    share) are used: the override is recorded on the quota ledger with the reason."""

    protocol_number: str
    protocol_date: date


@dataclass(frozen=True)
class Refuse(CaseCommand):
    protocol_number: str
    protocol_date: date


@dataclass(frozen=True)
class SignContracts(CaseCommand):
    training_contract_number: str
    security_contract_number: str


@dataclass(frozen=True)
class Revoke(CaseCommand):
    revocation: RevocationReason


@dataclass(frozen=True)
class Withdraw(CaseCommand):
    pass


@dataclass(frozen=True)
class AssignLanguageCourse(CaseCommand):
    invitation_months: int | None = None  # internship: a shorter course named in the invitation


@dataclass(frozen=True)
class ReassignLanguageCourse(CaseCommand):
    """Decide the course again under the rules in force now (the reason is required)."""

    invitation_months: int | None = None


@dataclass(frozen=True)
class RecordControlTest(CaseCommand):
    """A control test after language courses, «контрольного теста» or «контрольный тест»
    (002 lines 868, 1915)."""

    purpose: ControlTestPurpose
    passed: bool
    result: str  # as the test reports it, e.g. "B2" or "IELTS 6.5"


@dataclass(frozen=True)
class RecordWinnersListPublished(CaseCommand):
    """The winners list naming the scholar was published on CIP's site."""


@dataclass(frozen=True)
class RecordDeparture(CaseCommand):
    pass


@dataclass(frozen=True)
class RecordStudiesCompleted(CaseCommand):
    pass


@dataclass(frozen=True)
class RecordReturn(CaseCommand):
    pass


@dataclass(frozen=True)
class StartWorkOff(CaseCommand):
    employer: str
    location: str  # city or region where the scholar works


@dataclass(frozen=True)
class CompleteWorkOff(CaseCommand):
    pass


@dataclass(frozen=True)
class ErasePersonalData(CaseCommand):
    """Erase the applicant's personal data from the case (the reason is required)."""


# Any command: its spec (who may send it, what it decides) is in ``domain/registry.py``.
Command = SubmitApplication | CaseCommand
