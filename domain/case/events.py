"""The events of a case, each a past-tense fact, and how each one changes the case.

Decision events carry a ``Basis``: the ids of the rulesets used and the facts evaluated, so
that replaying a case years later shows what the decision was based on.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar

from eventsourcing.domain import Aggregate

from domain.case.meta import EventMeta
from domain.case.stage import Stage
from domain.rules.contract_deadline import SecurityKind
from domain.rules.eligibility import RuleFailure
from domain.submission import ApplicantIdentity, Background, Document, StudyPlan

if TYPE_CHECKING:
    from domain.case.application import Application


@dataclass(frozen=True)
class Basis:
    """What a decision was made on: rulesets by id, and the facts evaluated."""

    rulesets: tuple[str, ...]
    facts: dict[str, str]


class TestingAnnulment(Enum):
    """Why comprehensive testing results were annulled (000 lines 373-387, «нәтижелері
    автоматты түрде жойылады»; 001 "3 ТУРА"). VIOLATION is CIP policy, not the seeds'
    (ruleset cip-policy-testing-annulment)."""

    WINDOW_CLOSED = "window_closed"  # closing the browser window or a tab
    UNFINISHED = "unfinished"  # leaving a test unfinished
    VIOLATION = "violation"  # found by the anti-cheating system or the recording


class RevocationReason(Enum):
    """Why the status was revoked: the seeds' ground, contracts not signed in 90 days (ruleset
    contract-deadline), or CIP policy (ruleset cip-policy-status-revocation) for the others."""

    CONTRACT_DEADLINE_MISSED = "contract_deadline_missed"
    VIOLATION = "violation"
    OTHER = "other"


class CourseRoute(Enum):
    COURSES_IN_KAZAKHSTAN = "courses_in_kazakhstan"
    COURSES_ABROAD = "courses_abroad"
    STRAIGHT_TO_STUDY = "straight_to_study"


class ReviewDecision(Enum):
    """What an officer decides on a case the rules left undecided."""

    ELIGIBLE = "eligible"  # eligibility review
    INELIGIBLE = "ineligible"  # eligibility review
    ASSIGN_COURSE = "assign_course"  # course review: the months, in Kazakhstan and abroad
    NO_COURSE = "no_course"  # course review: no course is needed
    CONTINUE = "continue"  # control-test review: the scholar goes on where they were


class ControlTestPurpose(Enum):
    """The control tests after language courses: «контрольного теста», «контрольный тест»
    (002 lines 868, 1915); «бақылау» (004 lines 195, 303)."""

    # after courses in Kazakhstan of at most 3 months: English at B2 (CEFR) sends the scholar
    # on to courses abroad (002 line 868, "возможна сдача контрольного теста")
    ABROAD_AFTER_KAZAKHSTAN = "abroad_after_kazakhstan"
    # after the full course: the third threshold's level, needed for admission (002 line 1915)
    ADMISSION_AFTER_COURSE = "admission_after_course"


# officer review steps: what the rules could not decide
REVIEW_ELIGIBILITY = "eligibility"
REVIEW_COURSE = "language_course"
REVIEW_CONTROL_TEST = "control_test"


@dataclass(frozen=True)
class Referral:
    """A case waiting for an officer: the step, where it goes on, the rulesets tried."""

    step: str
    returns_to: Stage
    rulesets_tried: tuple[str, ...]


class CaseEvent(Aggregate.Event):
    meta: EventMeta
    leads_to: ClassVar[Stage | None] = None  # the stage the case is in after this event

    def stage_after(self) -> Stage | None:
        """The stage this event moves the case to; None when the stage stays."""
        return self.leads_to

    def apply(self, aggregate: Any) -> None:
        case: Application = aggregate
        stage = self.stage_after()
        if stage is not None:
            case.stage = stage
        case.last_occurred_on = self.meta.occurred_on
        case.chain_head = self.meta.chain_hash
        case.commands[self.meta.idempotency_key] = (
            self.meta.command_fingerprint,
            self.originator_version,
            self.meta.command,
        )
        self.evolve(case)

    def evolve(self, case: Application) -> None:
        """How this fact changes the case (the event's own part of ``apply``)."""

    @property
    def basis(self) -> Basis | None:
        return None


class Submitted(CaseEvent, Aggregate.Created):
    """The application as filed through eGov: who applies, what for, on which facts.

    ``applicant`` is stored sealed (``domain/case/personal.py``) and reads back as None
    once the applicant's personal data was erased; the secret ``applicant_salt`` goes into
    the commitment the hash chain covers."""

    leads_to = Stage.SUBMITTED
    applicant: ApplicantIdentity | None
    applicant_salt: str
    applicant_code: str
    plan: StudyPlan
    background: Background
    campaign_year: int
    intake_window: int
    intake_ruleset_id: str

    def evolve(self, case: Application) -> None:
        case.applicant = self.applicant
        case.applicant_code = self.applicant_code
        case.plan = self.plan
        case.background = self.background
        case.campaign_year = self.campaign_year
        case.intake_window = self.intake_window
        case.submitted_on = self.meta.occurred_on
        case.documents_presented = self.background.documents

    @property
    def basis(self) -> Basis:
        """The submission was accepted inside an intake window of this ruleset."""
        window = f"{self.campaign_year}-W{self.intake_window}"
        return Basis((self.intake_ruleset_id,), {"intake_window": window})


class EligibilityAssessed(CaseEvent):
    """Eligibility decided by the rules (``rules_checked``), or by an officer on a case the
    rules left undecided (``meta.command`` ``decide_review``, the reason in ``meta``), or
    decided again under corrected rules (``reassessed``)."""

    eligible: bool
    failures: tuple[RuleFailure, ...]
    rules_checked: tuple[str, ...]
    route: CourseRoute | None
    gpa_equivalent: Decimal | None
    decision_basis: Basis
    # a decision taken again (reassess_eligibility, or an officer's decision on a referral
    # made after the first decision): the stage the case goes on in (e.g. tested stays
    # tested), and the eligibility decided before (None when there was none)
    reassessed: bool = False
    resulting_stage: Stage | None = None
    previously_eligible: bool | None = None

    def stage_after(self) -> Stage:
        if self.resulting_stage is not None:
            return self.resulting_stage
        return Stage.ELIGIBLE if self.eligible else Stage.INELIGIBLE

    def evolve(self, case: Application) -> None:
        case.route = self.route
        case.eligible = self.eligible
        case.review = None

    @property
    def basis(self) -> Basis:
        return self.decision_basis


class DocumentsPresented(CaseEvent):
    """Documents of the package presented after the submission, on the business date."""

    documents: tuple[Document, ...]

    def evolve(self, case: Application) -> None:
        case.documents_presented = (*case.documents_presented, *self.documents)


class DocumentsChecked(CaseEvent):
    """The case's package checked against its checklist (001 "НЕОБХОДИМЫЙ ПАКЕТ
    ДОКУМЕНТОВ"): what is required and what is still missing. A case with a missing
    document is not passed to testing."""

    checklist_ruleset_id: str
    required: tuple[Document, ...]
    missing: tuple[Document, ...]

    def evolve(self, case: Application) -> None:
        case.missing_documents = self.missing

    @property
    def basis(self) -> Basis:
        rulesets = (self.checklist_ruleset_id,) if self.checklist_ruleset_id else ()
        return Basis(rulesets, {"missing": ", ".join(d.value for d in self.missing)})


class ReferredToOfficer(CaseEvent):
    """The rules did not decide a step of the case (no table row, no ruleset in force, a
    consequence the seeds do not state): an officer decides it. Never a refusal."""

    step: str  # REVIEW_ELIGIBILITY, REVIEW_COURSE or REVIEW_CONTROL_TEST
    reason: str
    rulesets_tried: tuple[str, ...]
    facts: dict[str, str]
    resulting_stage: Stage  # ELIGIBILITY_REVIEW or SCHOLAR_REVIEW
    returns_to: Stage  # where an officer's positive decision lets the case go on
    route: CourseRoute | None = None  # the language route, where the rules reached one

    def stage_after(self) -> Stage:
        return self.resulting_stage

    def evolve(self, case: Application) -> None:
        case.review = Referral(self.step, self.returns_to, self.rulesets_tried)
        if self.route is not None:
            case.route = self.route

    @property
    def basis(self) -> Basis:
        return Basis(self.rulesets_tried, dict(self.facts))


class ReferralClosed(CaseEvent):
    """An officer decided a referral without a new decision of the process: no course is
    needed, or the scholar goes on after a failed control test. The reason is in ``meta``."""

    step: str
    decision: ReviewDecision
    resulting_stage: Stage

    def stage_after(self) -> Stage:
        return self.resulting_stage

    def evolve(self, case: Application) -> None:
        case.review = None
        if self.decision is ReviewDecision.NO_COURSE:
            case.course_months = None


class ControlTestTaken(CaseEvent):
    """A scholar on language courses took a control test, «контрольного теста» or
    «контрольный тест» (002 lines 868, 1915)."""

    purpose: ControlTestPurpose
    passed: bool
    result: str  # as the test reports it, e.g. "B2", "IELTS 6.5"
    decision_basis: Basis

    def evolve(self, case: Application) -> None:
        case.control_tests = (*case.control_tests, (self.purpose, self.passed))

    @property
    def basis(self) -> Basis:
        return self.decision_basis


class WinnersListPublished(CaseEvent):
    """The scholar's name is in the winners list published on CIP's site, «жеңімпаздарының
    тізімі» (000 lines 473-477)."""

    def evolve(self, case: Application) -> None:
        case.winners_list_published_on = self.meta.occurred_on


class TestingCompleted(CaseEvent):
    """Comprehensive testing: reasoning tests and a personality questionnaire; nobody is
    selected or eliminated on its results (000, 001)."""

    leads_to = Stage.TESTED

    verbal_score: int
    numerical_score: int
    questionnaire_completed: bool

    def evolve(self, case: Application) -> None:
        case.testing_scores = (self.verbal_score, self.numerical_score)


class TestingAnnulled(CaseEvent):
    leads_to = Stage.TESTING_ANNULLED
    annulment: TestingAnnulment


class InterviewSlotBooked(CaseEvent):
    leads_to = Stage.INTERVIEW_BOOKED
    slot_at: datetime

    def evolve(self, case: Application) -> None:
        case.interview_slot = self.slot_at


@dataclass(frozen=True)
class InterviewSheet:
    """One NEC member's sheet (002 appendix 6)."""

    expert_id: str
    scores: dict[str, int]
    average: Decimal
    recommend: bool
    comment: str


class InterviewEvaluated(CaseEvent):
    sheet: InterviewSheet
    sheet_ruleset_id: str

    def evolve(self, case: Application) -> None:
        case.interview_sheets[self.sheet.expert_id] = self.sheet

    @property
    def basis(self) -> Basis:
        """The sheet was scored on this form's criteria and scale."""
        return Basis((self.sheet_ruleset_id,), {"average": str(self.sheet.average)})


class InterviewCompleted(CaseEvent):
    """The final grade, filled by a CIP employee from the members' sheets."""

    leads_to = Stage.INTERVIEWED

    final_score: Decimal
    recommended: bool
    decision_basis: Basis

    def evolve(self, case: Application) -> None:
        case.interview_final_score = self.final_score
        case.interview_recommended = self.recommended

    @property
    def basis(self) -> Basis:
        return self.decision_basis


class InterviewAnnulled(CaseEvent):
    leads_to = Stage.INTERVIEW_ANNULLED


class Awarded(CaseEvent):
    """The Republican Commission awarded the scholarship."""

    leads_to = Stage.AWARDED

    protocol_number: str
    protocol_date: date
    contract_deadline: date
    decision_basis: Basis

    def evolve(self, case: Application) -> None:
        case.awarded_on = self.protocol_date
        case.contract_deadline = self.contract_deadline
        case.protocol_number = self.protocol_number

    @property
    def basis(self) -> Basis:
        return self.decision_basis


class Refused(CaseEvent):
    """The Republican Commission refused the scholarship."""

    leads_to = Stage.REFUSED

    protocol_number: str
    protocol_date: date
    decision_basis: Basis

    def evolve(self, case: Application) -> None:
        case.protocol_number = self.protocol_number

    @property
    def basis(self) -> Basis:
        return self.decision_basis


class ContractsSigned(CaseEvent):
    leads_to = Stage.CONTRACTED
    training_contract_number: str
    security_kind: SecurityKind
    security_contract_number: str
    guarantors: int
    decision_basis: Basis

    def evolve(self, case: Application) -> None:
        case.contracts_signed_on = self.meta.occurred_on

    @property
    def basis(self) -> Basis:
        return self.decision_basis


class StatusRevoked(CaseEvent):
    """The scholar lost the status of Bolashak scholarship holder."""

    leads_to = Stage.REVOKED

    revocation: RevocationReason
    decision_basis: Basis

    def evolve(self, case: Application) -> None:
        case.revocation = self.revocation

    @property
    def basis(self) -> Basis:
        return self.decision_basis


class Withdrawn(CaseEvent):
    leads_to = Stage.WITHDRAWN


class LanguageCourseAssigned(CaseEvent):
    leads_to = Stage.LANGUAGE_COURSE
    months_in_kazakhstan: int
    months_abroad: int
    pre_sessional: bool
    decision_basis: Basis

    def evolve(self, case: Application) -> None:
        case.course_months = (self.months_in_kazakhstan, self.months_abroad)
        case.review = None

    @property
    def basis(self) -> Basis:
        return self.decision_basis


class Departed(CaseEvent):
    leads_to = Stage.STUDYING

    def evolve(self, case: Application) -> None:
        case.departed_on = self.meta.occurred_on


class StudiesCompleted(CaseEvent):
    leads_to = Stage.STUDIES_COMPLETED

    def evolve(self, case: Application) -> None:
        case.studies_completed_on = self.meta.occurred_on


class Returned(CaseEvent):
    leads_to = Stage.RETURNED

    def evolve(self, case: Application) -> None:
        case.returned_on = self.meta.occurred_on


class WorkOffStarted(CaseEvent):
    leads_to = Stage.WORKING_OFF
    employer: str
    location: str
    years: int
    ends_on: date
    decision_basis: Basis

    def evolve(self, case: Application) -> None:
        case.work_off_ends_on = self.ends_on
        case.work_off_location = self.location

    @property
    def basis(self) -> Basis:
        return self.decision_basis


class WorkOffCompleted(CaseEvent):
    leads_to = Stage.WORK_OFF_COMPLETED


class PersonalDataErased(CaseEvent):
    """The applicant's personal data was erased: the case's data key is destroyed after
    this event is stored. Who, when and why are in ``meta``; it holds no personal data."""

    erases_personal_data: ClassVar[bool] = True

    def evolve(self, case: Application) -> None:
        case.applicant = None
        case.personal_data_erased_on = self.meta.occurred_on


def erasure_applied(events: Iterable[CaseEvent]) -> list[CaseEvent]:
    """A case's events with the identity blanked everywhere when the case records an
    erasure: a process that cached the key before another process destroyed it shows the
    same history as one that never had it."""
    found = list(events)
    if not any(isinstance(e, PersonalDataErased) for e in found):
        return found
    return [_erased(e) if isinstance(e, Submitted) else e for e in found]


def _erased(event: Submitted) -> Submitted:
    if event.applicant is None:
        return event
    blank = copy.copy(event)
    object.__setattr__(blank, "applicant", None)
    object.__setattr__(blank, "applicant_salt", "")
    return blank


EVENT_TYPES: tuple[type[CaseEvent], ...] = (
    Submitted,
    EligibilityAssessed,
    DocumentsPresented,
    DocumentsChecked,
    ReferredToOfficer,
    ReferralClosed,
    ControlTestTaken,
    WinnersListPublished,
    TestingCompleted,
    TestingAnnulled,
    InterviewSlotBooked,
    InterviewEvaluated,
    InterviewCompleted,
    InterviewAnnulled,
    Awarded,
    Refused,
    ContractsSigned,
    StatusRevoked,
    Withdrawn,
    LanguageCourseAssigned,
    Departed,
    StudiesCompleted,
    Returned,
    WorkOffStarted,
    WorkOffCompleted,
    PersonalDataErased,
)
