"""The domain's enums, exposed to GraphQL under their own names (values by member name)."""

from __future__ import annotations

from enum import Enum

import strawberry

from domain.case.events import (
    ControlTestPurpose,
    CourseRoute,
    ReviewDecision,
    RevocationReason,
    TestingAnnulment,
)
from domain.case.meta import Role
from domain.case.stage import CaseStatus, Stage
from domain.language_tests import LanguageTest
from domain.programme import Category, Programme, StudyDirection, StudyLanguage
from domain.qualifications import GradeScale
from domain.rules import catalog
from domain.submission import Document

for _enum in (
    RevocationReason,
    TestingAnnulment,
    ReviewDecision,
    ControlTestPurpose,
    Role,
    CaseStatus,
    Stage,
    LanguageTest,
    Category,
    Programme,
    StudyDirection,
    StudyLanguage,
    GradeScale,
    Document,
    CourseRoute,
):
    strawberry.enum(_enum)

PII = "pii"  # metadata key of fields holding personal data


# The values a query argument may take: GraphQL enums (a bad value is a validation error
# naming the allowed ones), each member's value the read model's own string.


@strawberry.enum(description="The order of the case list (applications' sort).")
class CaseSort(Enum):
    SUBMITTED_ON = "submitted_on"
    APPLICANT_CODE = "applicant_code"
    STAGE = "stage"
    LAST_EVENT_ON = "last_event_on"
    UPDATED_AT = "updated_at"
    CONTRACT_DEADLINE = "contract_deadline"
    INTERVIEW_SCORE = "interview_score"


@strawberry.enum(description="What a deadline is for.")
class DeadlineKind(Enum):
    CONTRACT = "contract"
    LANGUAGE_COURSE = "language_course"
    WORK_OFF = "work_off"
    EGOV_INTAKE = "egov_intake"
    COMMISSION_PROTOCOL = "commission_protocol"
    WINNERS_LIST = "winners_list"


@strawberry.enum(
    description="Where a deadline stands: open until met (late, for a time"
    " limit met after its day), revoked, withdrawn or cancelled."
)
class DeadlineState(Enum):
    OPEN = "open"
    MET = "met"
    LATE = "late"
    REVOKED = "revoked"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"


@strawberry.enum(description="A case's audit export: one self-contained HTML page, or its JSON.")
class AuditExportFormat(Enum):
    HTML = "html"
    JSON = "json"


@strawberry.enum(description="What waits for an officer: a referral to decide, or documents.")
class WorklistItemKind(Enum):
    REVIEW = "review"
    DOCUMENTS = "documents"


@strawberry.enum(description="A case event's type (the audit trail's eventType).")
class EventType(Enum):
    Submitted = "Submitted"
    EligibilityAssessed = "EligibilityAssessed"
    DocumentsPresented = "DocumentsPresented"
    DocumentsChecked = "DocumentsChecked"
    ReferredToOfficer = "ReferredToOfficer"
    ReferralClosed = "ReferralClosed"
    ControlTestTaken = "ControlTestTaken"
    WinnersListPublished = "WinnersListPublished"
    TestingCompleted = "TestingCompleted"
    TestingAnnulled = "TestingAnnulled"
    InterviewSlotBooked = "InterviewSlotBooked"
    InterviewEvaluated = "InterviewEvaluated"
    InterviewCompleted = "InterviewCompleted"
    InterviewAnnulled = "InterviewAnnulled"
    Awarded = "Awarded"
    Refused = "Refused"
    ContractsSigned = "ContractsSigned"
    StatusRevoked = "StatusRevoked"
    Withdrawn = "Withdrawn"
    LanguageCourseAssigned = "LanguageCourseAssigned"
    Departed = "Departed"
    StudiesCompleted = "StudiesCompleted"
    Returned = "Returned"
    WorkOffStarted = "WorkOffStarted"
    WorkOffCompleted = "WorkOffCompleted"
    PersonalDataErased = "PersonalDataErased"


# The kinds of the rulesets in the catalog (domain/rules/data/), read from it: a ruleset of
# a new kind adds its value (and the exported SDL shows it).
RulesetKind = Enum(  # type: ignore[misc]  # its members are read from the catalog
    "RulesetKind",
    {kind.upper(): kind for kind in sorted({r.kind for r in catalog.all_rulesets().values()})},
)
strawberry.enum(RulesetKind, description="What a ruleset decides (its kind in the catalog).")
