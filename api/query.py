"""Queries: thin resolvers over the read models (and the event store for history)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, TypeVar
from uuid import UUID

import strawberry
from strawberry.types import Info

from api.answers import application_from_events
from api.context import Context, operation_moment
from api.errors import bad_input
from api.types.cases import (
    ApplicationConnection,
    ApplicationEdge,
    ApplicationFilter,
    ApplicationView,
    PageInfo,
)
from api.types.enums import (
    AuditExportFormat,
    CaseSort,
    DeadlineKind,
    DeadlineState,
    RulesetKind,
    WorklistItemKind,
)
from api.types.history import CaseHistory, EventRecord
from api.types.intake import IntakeDeadLetter, IntakeDeadLetters, IntakeDeadLettersResult
from api.types.quotas import QuotaHistory, Quotas
from api.types.reports import (
    AuditEntry,
    AuditEntryEdge,
    AuditFilter,
    AuditTrailConnection,
    Dashboard,
    Deadline,
    DeadlineConnection,
    DeadlineEdge,
    InterviewCandidate,
    InterviewCandidateEdge,
    InterviewQueueConnection,
    ProjectionState,
    WorklistConnection,
    WorklistEdge,
    WorklistItem,
)
from api.types.results import NotAllowed
from api.types.rulesets import Ruleset
from api.types.status import SystemStatus, SystemStatusResult
from domain.case.meta import Role
from domain.errors import ApplicationNotFoundError
from domain.quota import summary as quota_summary
from domain.rules import catalog
from domain.rules.campaign_places import NoPlacesOnRecordError
from infra.audit import export, replay
from infra.case_view import plain
from infra.intake import dead_letters
from infra.system_status import system_status
from projections import queries as q
from projections.sql import ViewDatabase

T = TypeVar("T")
C = TypeVar("C")

Ctx = Info[Context, None]


def parse_id(value: str, field: str = "id") -> UUID:
    try:
        return UUID(str(value))
    except ValueError:
        raise bad_input(field, "is not an application id") from None


def connection(
    page: q.Page, kind: Callable[..., C], edge: Callable[..., Any], node: Callable[[q.Row], Any]
) -> C:
    """A Relay connection of ``kind`` over a page: an ``edge`` per row, with its cursor
    and the row as a ``node``."""
    return kind(
        edges=[edge(cursor=c, node=node(r)) for c, r in zip(page.cursors, page.items, strict=True)],
        page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
    )


async def read(info: Ctx, work: Callable[[ViewDatabase], T]) -> T:
    """Runs a read-model query on a worker thread; query errors become user errors."""
    try:
        return await info.context.services.views.run(work)
    except q.QueryError as e:
        raise bad_input(e.field, str(e).split(": ", 1)[-1]) from None


@strawberry.type
class InterviewQueries:
    @strawberry.field(description="Anonymised candidates with a booked interview, by slot.")
    async def interview_queue(
        self, info: Ctx, slot_on: date | None = None, first: int = 20, after: str | None = None
    ) -> InterviewQueueConnection:
        page = await read(
            info, lambda db: q.interview_queue(db, slot_on=slot_on, first=first, after=after)
        )
        return connection(
            page, InterviewQueueConnection, InterviewCandidateEdge, InterviewCandidate.from_row
        )

    @strawberry.field(description="The regulations as versioned rulesets, with sources.")
    def rulesets(
        self,
        kind: RulesetKind | None = None,
        policy: Annotated[
            bool | None,
            strawberry.argument(
                description="true: only CIP policy (rulesets that are or hold policy rows); "
                "false: only the others."
            ),
        ] = None,
    ) -> list[Ruleset]:
        found = sorted(catalog.all_rulesets().values(), key=lambda r: (r.kind, r.id))
        return [
            Ruleset.from_data(r)
            for r in found
            if (kind is None or r.kind == kind.value) and (policy is None or r.has_policy is policy)
        ]

    @strawberry.field
    def ruleset(self, id: strawberry.ID) -> Ruleset | None:
        found = catalog.all_rulesets().get(str(id))
        return Ruleset.from_data(found) if found else None


@strawberry.type
class OfficeQueries(InterviewQueries):
    @strawberry.field(description="One case, from the case list read model.")
    async def application(self, info: Ctx, id: strawberry.ID) -> ApplicationView | None:
        case_id, sealer = str(parse_id(id)), info.context.services.service.sealer
        row = await read(info, lambda db: q.get_case_row(db, case_id, personal_data=sealer))
        return ApplicationView.from_row(row) if row else None

    @strawberry.field(description="Cases: filter, sort, keyset pages (Relay connection).")
    async def applications(
        self,
        info: Ctx,
        filter: ApplicationFilter | None = None,
        first: int = 20,
        after: str | None = None,
        sort: CaseSort = CaseSort.SUBMITTED_ON,
        descending: bool = False,
    ) -> ApplicationConnection:
        where = q.CaseFilter(**_filter_values(filter)) if filter else None  # type: ignore[arg-type]
        sealer = info.context.services.service.sealer
        page = await read(
            info,
            lambda db: q.list_cases(
                db,
                where,
                sort=sort.value,
                descending=descending,
                first=first,
                after=after,
                personal_data=sealer,
            ),
        )
        return connection(page, ApplicationConnection, ApplicationEdge, ApplicationView.from_row)

    @strawberry.field(description="The funnel of a campaign year (and window).")
    async def dashboard(self, info: Ctx, year: int, window: int | None = None) -> Dashboard:
        target = info.context.services.settings.awards_target(year)
        data = await read(info, lambda db: q.dashboard(db, year, window, target))
        return Dashboard.from_data(data)

    @strawberry.field(
        description="Contract, language-course and work-off terms, and the time limits of the"
        " selection (egov_intake, commission_protocol, winners_list: alerts only)."
    )
    async def deadlines(
        self,
        info: Ctx,
        kind: DeadlineKind | None = None,
        state: DeadlineState | None = DeadlineState.OPEN,
        overdue_only: bool = False,
        first: int = 20,
        after: str | None = None,
    ) -> DeadlineConnection:
        today = info.context.services.clock.today()
        page = await read(
            info,
            lambda db: q.deadlines(
                db,
                today,
                kind=kind.value if kind else None,
                state=state.value if state else None,
                overdue_only=overdue_only,
                first=first,
                after=after,
            ),
        )
        return connection(page, DeadlineConnection, DeadlineEdge, Deadline.from_row)

    @strawberry.field(
        description="What waits for an officer, oldest first: cases the rules did not decide"
        ' (item "review") and packages missing documents (item "documents").'
    )
    async def officer_worklist(
        self,
        info: Ctx,
        item: WorklistItemKind | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> WorklistConnection:
        kind = item.value if item else None
        page = await read(
            info, lambda db: q.officer_worklist(db, item=kind, first=first, after=after)
        )
        return connection(page, WorklistConnection, WorklistEdge, WorklistItem.from_row)

    @strawberry.field(description="Every event, with actor, role, times and rulesets.")
    async def audit_trail(
        self,
        info: Ctx,
        filter: AuditFilter | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> AuditTrailConnection:
        where = q.AuditFilter(
            application_id=str(parse_id(filter.application_id, "filter.applicationId"))
            if filter and filter.application_id
            else None,
            actor_id=filter.actor_id if filter else None,
            event_type=filter.event_type.value if filter and filter.event_type else None,
            recorded_from=filter.recorded_from.isoformat()
            if filter and filter.recorded_from
            else None,
            recorded_to=filter.recorded_to.isoformat() if filter and filter.recorded_to else None,
        )
        page = await read(info, lambda db: q.audit_trail(db, where, first=first, after=after))
        return connection(page, AuditTrailConnection, AuditEntryEdge, AuditEntry.from_row)

    @strawberry.field(
        description="A case replayed from the event store, as of a version, a moment "
        "(recording time) or a business date (occurredOn), with every event's metadata, "
        "the commission's decision as it was made, and diffs between versions."
    )
    async def case_history(
        self,
        info: Ctx,
        application_id: strawberry.ID,
        as_of_version: int | None = None,
        as_of_time: datetime | None = None,
        as_of_date: date | None = None,
    ) -> CaseHistory | None:
        case_id = parse_id(application_id, "applicationId")
        mapper = info.context.services.service.mapper
        as_of = replay.AsOf(as_of_version, as_of_time, as_of_date)
        today = info.context.services.clock.today()

        def replayed(db: ViewDatabase) -> CaseHistory | None:
            try:
                found = replay.from_read_connection(db, mapper, case_id, as_of)
            except ApplicationNotFoundError:
                return None
            if not found.shown:
                return None
            return CaseHistory(
                application_id=strawberry.ID(str(case_id)),
                as_of_version=found.as_of_version,
                events=[EventRecord.from_event(e) for e in found.shown],
                state=application_from_events(case_id, found.shown),
                replayed=found,
                today=today,
            )

        return await read(info, replayed)

    @strawberry.field(
        description="A case's audit timeline as an auditor files it, the same export as"
        " `bolashak audit export` (docs/audit.md): one self-contained HTML page (its style"
        " inline, no scripts) or its JSON, with the hash chain checked. The applicant's"
        " identity only with personalData, and never after an erasure. Null when no case"
        " has this id."
    )
    async def audit_export(
        self,
        info: Ctx,
        application_id: strawberry.ID,
        format: AuditExportFormat = AuditExportFormat.HTML,
        personal_data: bool = False,
    ) -> str | None:
        case_id = parse_id(application_id, "applicationId")
        mapper = info.context.services.service.mapper
        today = info.context.services.clock.today()
        moment = operation_moment()

        def exported(db: ViewDatabase) -> str | None:
            stored = replay.stored_rows(db, case_id)
            if not stored:
                return None
            data = export.timeline_of(
                mapper,
                stored,
                case_id,
                today=today,
                exported_at=moment,
                with_personal_data=personal_data,
            )
            return export.render(data, format.value)

        return await read(info, exported)

    @strawberry.field(
        description="A campaign's quota ledger: its places (555 in 2023), used, reserved and"
        " returned, per quota category, and the awards beyond them with the commission's"
        " reasons; before the campaign's first award, the places it opens with. Null when"
        " no places are on record for the year."
    )
    async def quotas(self, info: Ctx, year: int) -> Quotas | None:
        mapper = info.context.services.service.mapper
        places = info.context.services.service.handler.places
        ledgers = info.context.services.ledgers

        def found(db: ViewDatabase) -> Quotas | None:
            try:
                opened = ledgers.current(db, mapper, year).summary()
            except ApplicationNotFoundError:
                try:
                    return Quotas.of(quota_summary.unopened(places(year)))
                except NoPlacesOnRecordError:
                    return None
            return Quotas.of(opened) if opened else None

        return await read(info, found)

    @strawberry.field(
        description="A campaign's quota ledger replayed from the event store like a case"
        " (caseHistory): its events with their metadata and hash chain, and the ledger as of"
        " a version, a moment (recording time) or a business date. Null before its first award."
    )
    async def quota_history(
        self,
        info: Ctx,
        year: int,
        as_of_version: int | None = None,
        as_of_time: datetime | None = None,
        as_of_date: date | None = None,
    ) -> QuotaHistory | None:
        mapper = info.context.services.service.mapper
        as_of = replay.AsOf(as_of_version, as_of_time, as_of_date)

        def replayed(db: ViewDatabase) -> QuotaHistory | None:
            try:
                return QuotaHistory.of(replay.quota_replay(db, mapper, year, as_of))
            except ApplicationNotFoundError:
                return None

        return await read(info, replayed)

    @strawberry.field(description="Each read model's position against the log's head.")
    async def projection_status(self, info: Ctx) -> list[ProjectionState]:
        found = await info.context.services.projection_status()
        return [ProjectionState.of(s) for s in found]

    @strawberry.field(
        description="Admins only: each read model's lag, the relay's position, the deadline"
        " job's and the audit checkpoints' last rounds, the last checkpoint (what"
        " GET /health/ready sums up as yes or no), and the eGov intake's last round,"
        " position and dead letters."
    )
    async def system_status(self, info: Ctx) -> SystemStatusResult:
        role = info.context.caller.role
        if role is not Role.ADMIN:
            message = "systemStatus is for admins"
            return NotAllowed(message=message, command="systemStatus", role=role.value)
        found = await info.context.services.read_status(system_status)
        return SystemStatus.of(found)

    @strawberry.field(
        description="Officers and admins: the eGov messages the intake could not store"
        " (malformed, or refused by the command), newest first, at most 200: where each was"
        " on the broker, its id and why; never its content."
    )
    async def intake_dead_letters(self, info: Ctx, first: int = 50) -> IntakeDeadLettersResult:
        role = info.context.caller.role
        if role not in (Role.OFFICER, Role.ADMIN):
            message = "intakeDeadLetters is for officers and admins"
            return NotAllowed(message=message, command="intakeDeadLetters", role=role.value)
        if not 0 <= first <= dead_letters.MAX_SHOWN:
            raise bad_input("first", f"must be between 0 and {dead_letters.MAX_SHOWN}")
        total, found = await read(info, lambda db: dead_letters.newest(db, first))
        return IntakeDeadLetters(total=total, items=[IntakeDeadLetter.of(d) for d in found])


def _filter_values(f: ApplicationFilter) -> dict[str, object]:
    values = plain({k: getattr(f, k) for k in vars(f)})
    for key in ("submitted_from", "submitted_to"):
        if values.get(key):
            values[key] = date.fromisoformat(str(values[key]))
    return {k: v for k, v in values.items() if v is not None}
