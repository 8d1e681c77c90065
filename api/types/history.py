"""A case's history replayed from the event store, each event with its metadata."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

import strawberry
from strawberry.scalars import JSON

from api.errors import bad_input
from api.types.audit import CaseDiff, CommissionView
from api.types.cases import ApplicationView
from api.types.enums import PII
from domain.case.events import CaseEvent
from domain.case.meta import Role
from domain.errors import InvalidInputError
from infra.audit import replay
from infra.case_view import event_view


def _event_data(root: EventRecord) -> JSON:
    """Made only when asked for: plain-data conversion of a whole payload is the costliest
    part of a history (caseHistory is benchmarked, issue 6)."""
    return JSON(event_view(root.event, with_personal_data=True)["data"])


@strawberry.type(description="One stored event: what happened, who did it, when and why.")
class EventRecord:
    application_id: strawberry.ID
    version: int
    type: str
    recorded_at: datetime
    occurred_on: date
    actor_id: str
    actor_role: Role
    reason: str
    correlation_id: str
    causation_id: str
    command: str
    backdating_reason: str = strawberry.field(
        description="An admin's reason for a business date more than the backdating window"
        " before the day it was recorded; empty otherwise."
    )
    prev_hash: str = strawberry.field(description="The chain hash of the event before.")
    chain_hash: str = strawberry.field(
        description="SHA-256 over this event's stored content and prev_hash (docs/audit.md)."
    )
    rulesets: list[str]
    facts: JSON = strawberry.field(description="The facts a decision was made on.")
    data: JSON = strawberry.field(
        resolver=_event_data,
        metadata={PII: True},
        description="The event's own fields (personal data included).",
    )
    event: strawberry.Private[CaseEvent]

    @classmethod
    def from_event(cls, event: CaseEvent) -> EventRecord:
        basis = event.basis
        meta = event.meta
        return cls(
            application_id=strawberry.ID(str(event.originator_id)),
            version=event.originator_version,
            type=type(event).__name__,
            recorded_at=event.timestamp,
            occurred_on=meta.occurred_on,
            actor_id=meta.actor_id,
            actor_role=meta.actor_role,
            reason=meta.reason,
            correlation_id=meta.correlation_id,
            causation_id=meta.causation_id,
            command=meta.command,
            backdating_reason=meta.backdating_reason,
            prev_hash=meta.prev_hash,
            chain_hash=meta.chain_hash,
            rulesets=list(basis.rulesets) if basis else [],
            facts=JSON(dict(basis.facts) if basis else {}),
            event=event,
        )


def _commission_view(root: CaseHistory) -> CommissionView | None:
    view = root.replayed.commission(root.today)
    return None if view is None else CommissionView.from_data(UUID(root.application_id), view)


def _diff(root: CaseHistory, from_version: int, to_version: int | None = None) -> CaseDiff:
    try:
        found = replay.diff(root.replayed.events, from_version, to_version or root.as_of_version)
    except InvalidInputError as e:
        error = e.errors[0]
        raise bad_input(error.field, f"{error.message} [{error.rule}]") from None
    return CaseDiff.from_data(found)


@strawberry.type(description="A case as it stood at a version or a moment, and how it got there.")
class CaseHistory:
    application_id: strawberry.ID
    as_of_version: int
    events: list[EventRecord]
    state: ApplicationView | None
    replayed: strawberry.Private[replay.Replay]  # its events to this day, and as of
    today: strawberry.Private[date]
    commission_view: CommissionView | None = strawberry.field(
        resolver=_commission_view,
        description="The award or refusal (within this history) as the Republican Commission "
        "made it, beside today's case; null before a decision.",
    )
    diff: CaseDiff = strawberry.field(
        resolver=_diff,
        description="What changed between two versions (toVersion: this history's version).",
    )
