"""A case's history replayed from the event store, each event with its metadata."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.scalars import JSON

from api.types.cases import Application
from api.types.enums import PII
from domain.case.events import CaseEvent
from domain.case.meta import Role
from infra.case_view import event_view


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
    rulesets: list[str]
    facts: JSON = strawberry.field(description="The facts a decision was made on.")
    data: JSON = strawberry.field(
        metadata={PII: True}, description="The event's own fields (personal data included)."
    )

    @classmethod
    def from_event(cls, event: CaseEvent) -> EventRecord:
        view = event_view(event, with_personal_data=True)
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
            rulesets=list(basis.rulesets) if basis else [],
            facts=JSON(dict(basis.facts) if basis else {}),
            data=view["data"],
        )


@strawberry.type(description="A case as it stood at a version or a moment, and how it got there.")
class CaseHistory:
    application_id: strawberry.ID
    as_of_version: int
    events: list[EventRecord]
    state: Application | None
