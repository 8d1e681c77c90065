"""Dashboard, deadlines, the NEC interview queue and the audit trail."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry

from api.types.cases import PageInfo
from api.types.enums import DeadlineKind, DeadlineState, EventType, WorklistItemKind
from api.types.quotas import PlaceCounts
from domain.case.meta import Role
from domain.programme import Category, Programme, StudyLanguage
from domain.submission import Document
from projections.engine import ProjectionStatus
from projections.queries import Dashboard as DashboardData


@strawberry.type
class Count:
    key: str
    count: int


@strawberry.type
class Rate:
    key: str
    value: float | None


@strawberry.type
class WindowFunnel:
    intake_window: int
    funnel: list[Count]


@strawberry.type(description="The selection funnel of the cases submitted in one category.")
class CategoryFunnel:
    category: Category
    funnel: list[Count]


@strawberry.type(description="The selection funnel of a campaign, awards against the target.")
class Dashboard:
    campaign_year: int
    intake_window: int | None
    funnel: list[Count]
    awards_by_programme: list[Count]
    awards_by_category: list[Count]
    awards_target: int | None
    pass_rates: list[Rate]
    average_scores: list[Rate]
    average_final_score: float | None
    by_window: list[WindowFunnel]
    funnel_by_category: list[CategoryFunnel] = strawberry.field(
        description="The funnel by stage of each category the campaign's cases were"
        " submitted in (they add up to funnel)."
    )
    work: list[Count] = strawberry.field(
        description="What the rules left to people: documents presented after the submission,"
        " referrals to an officer, officers' decisions, control tests and their failures."
    )
    places: PlaceCounts | None = strawberry.field(
        description="The campaign's places, used and available, reserved and returned, as its"
        " quota ledger counts them (quotas(year) has them per category)."
    )

    @classmethod
    def from_data(cls, d: DashboardData) -> Dashboard:
        return cls(
            campaign_year=d.campaign_year,
            intake_window=d.intake_window,
            funnel=_counts(d.funnel),
            awards_by_programme=_counts(d.awards_by_programme),
            awards_by_category=_counts(d.awards_by_category),
            awards_target=d.awards_target,
            pass_rates=[Rate(key=k, value=v) for k, v in d.pass_rates.items()],
            average_scores=[Rate(key=k, value=v) for k, v in d.average_scores.items()],
            average_final_score=d.average_final_score,
            by_window=[
                WindowFunnel(intake_window=w, funnel=_counts(f)) for w, f in d.by_window.items()
            ],
            funnel_by_category=[
                CategoryFunnel(category=Category(c), funnel=_counts(f))
                for c, f in d.by_category.items()
            ],
            work=_counts(d.work),
            places=PlaceCounts.of(d.places) if d.places else None,
        )


@strawberry.type(
    description="A term a case must keep (contracts, language course, work-off), or a time"
    " limit CIP and the commission keep (egov_intake, commission_protocol, winners_list: a"
    ' breach is shown as overdue or "late" and changes nothing in the case).'
)
class Deadline:
    application_id: strawberry.ID
    kind: DeadlineKind
    applicant_code: str | None
    programme: Programme | None
    category: Category | None
    starts_on: date
    due_on: date
    state: DeadlineState
    closed_on: date | None
    days_left: int
    overdue: bool

    @classmethod
    def from_row(cls, r: dict[str, Any]) -> Deadline:
        return cls(
            application_id=strawberry.ID(r["application_id"]),
            kind=DeadlineKind(r["kind"]),
            applicant_code=r["applicant_code"],
            programme=Programme(r["programme"]) if r["programme"] else None,
            category=Category(r["category"]) if r["category"] else None,
            starts_on=date.fromisoformat(r["starts_on"]),
            due_on=date.fromisoformat(r["due_on"]),
            state=DeadlineState(r["state"]),
            closed_on=date.fromisoformat(r["closed_on"]) if r["closed_on"] else None,
            days_left=int(r["days_left"]),
            overdue=bool(r["overdue"]),
        )


@strawberry.type
class DeadlineEdge:
    cursor: str
    node: Deadline


@strawberry.type
class DeadlineConnection:
    edges: list[DeadlineEdge]
    page_info: PageInfo


@strawberry.type(description="An anonymised candidate for the NEC: the code, never the name.")
class InterviewCandidate:
    application_id: strawberry.ID
    applicant_code: str
    category: Category
    programme: Programme
    specialty: str
    bachelor_specialty: str
    country: str
    language: StudyLanguage
    institution: str
    gpa: float | None
    kaztest: int | None
    language_certificates: str
    verbal_score: int | None
    numerical_score: int | None
    slot_at: datetime | None
    sheets: int

    @classmethod
    def from_row(cls, r: dict[str, Any]) -> InterviewCandidate:
        return cls(
            application_id=strawberry.ID(r["application_id"]),
            applicant_code=r["applicant_code"],
            category=Category(r["category"]),
            programme=Programme(r["programme"]),
            specialty=r["specialty"],
            bachelor_specialty=r["bachelor_specialty"],
            country=r["country"],
            language=StudyLanguage(r["language"]),
            institution=r["institution"],
            gpa=None if r["gpa"] is None else float(r["gpa"]),
            kaztest=None if r["kaztest"] is None else int(r["kaztest"]),
            language_certificates=r["language_certificates"],
            verbal_score=None if r["verbal_score"] is None else int(r["verbal_score"]),
            numerical_score=None if r["numerical_score"] is None else int(r["numerical_score"]),
            slot_at=datetime.fromisoformat(r["slot_at"]) if r["slot_at"] else None,
            sheets=int(r["sheets"] or 0),
        )


@strawberry.type
class InterviewCandidateEdge:
    cursor: str
    node: InterviewCandidate


@strawberry.type
class InterviewQueueConnection:
    edges: list[InterviewCandidateEdge]
    page_info: PageInfo


@strawberry.type(description="One event as the auditor sees it in the trail.")
class AuditEntry:
    position: int
    application_id: strawberry.ID
    version: int
    event_type: EventType
    actor_id: str
    actor_role: Role
    recorded_at: datetime
    occurred_on: date
    reason: str
    correlation_id: str
    causation_id: str
    rulesets: list[str]

    @classmethod
    def from_row(cls, r: dict[str, Any]) -> AuditEntry:
        return cls(
            position=int(r["position"]),
            application_id=strawberry.ID(r["application_id"]),
            version=int(r["version"]),
            event_type=EventType(r["event_type"]),
            actor_id=r["actor_id"],
            actor_role=Role(r["actor_role"]),
            recorded_at=datetime.fromisoformat(r["recorded_at"]),
            occurred_on=date.fromisoformat(r["occurred_on"]),
            reason=r["reason"],
            correlation_id=r["correlation_id"],
            causation_id=r["causation_id"],
            rulesets=[x for x in r["rulesets"].split(",") if x],
        )


@strawberry.type
class AuditEntryEdge:
    cursor: str
    node: AuditEntry


@strawberry.type
class AuditTrailConnection:
    edges: list[AuditEntryEdge]
    page_info: PageInfo


@strawberry.input
class AuditFilter:
    application_id: strawberry.ID | None = None
    actor_id: str | None = None
    event_type: EventType | None = None
    recorded_from: datetime | None = None
    recorded_to: datetime | None = None


@strawberry.type(description="A read model's position against the head of the event log.")
class ProjectionState:
    name: str
    position: int
    head: int
    lag: int
    dead_letters: int
    needs_rebuild: bool

    @classmethod
    def of(cls, s: ProjectionStatus) -> ProjectionState:
        return cls(
            name=s.name,
            position=s.position,
            head=s.head,
            lag=s.lag,
            dead_letters=s.dead_letters,
            needs_rebuild=s.needs_rebuild,
        )


def _counts(values: dict[Any, int]) -> list[Count]:
    return [Count(key=str(k), count=v) for k, v in values.items()]


@strawberry.type(
    description='What waits for an officer: a case the rules did not decide (item "review":'
    ' the step, why, the rulesets tried), or a package missing documents (item "documents").'
)
class WorklistItem:
    application_id: strawberry.ID
    item: WorklistItemKind
    applicant_code: str | None
    programme: Programme | None
    category: Category | None
    stage: str
    step: str | None
    reason: str | None
    rulesets_tried: list[str]
    missing_documents: list[Document]
    since: date

    @classmethod
    def from_row(cls, r: dict[str, Any]) -> WorklistItem:
        return cls(
            application_id=strawberry.ID(r["application_id"]),
            item=WorklistItemKind(r["item"]),
            applicant_code=r["applicant_code"],
            programme=Programme(r["programme"]) if r["programme"] else None,
            category=Category(r["category"]) if r["category"] else None,
            stage=r["stage"],
            step=r["step"],
            reason=r["reason"],
            rulesets_tried=_listed(r["rulesets_tried"]),
            missing_documents=[Document(d) for d in _listed(r["missing_documents"])],
            since=date.fromisoformat(r["since"]),
        )


def _listed(text: str | None) -> list[str]:
    return [part for part in (text or "").split(", ") if part]


@strawberry.type
class WorklistEdge:
    cursor: str
    node: WorklistItem


@strawberry.type
class WorklistConnection:
    edges: list[WorklistEdge]
    page_info: PageInfo
