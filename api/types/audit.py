"""What auditors ask of a case's history: diffs between versions, and the Republican
Commission's decision as it was made (the case then, the rulesets then and now)."""

from __future__ import annotations

from uuid import UUID

import strawberry

from api.answers import application_from_events
from api.types.cases import ApplicationView
from api.types.enums import PII
from api.types.rulesets import Ruleset
from domain.rules import catalog
from infra.audit import replay


@strawberry.type(description="One field of a case that changed: before -> after.")
class FieldChange:
    field: str
    before: str
    after: str

    @classmethod
    def from_data(cls, change: replay.FieldChange) -> FieldChange:
        return cls(field=change.field, before=change.before, after=change.after)


@strawberry.type(description="What changed in a case between two of its versions.")
class CaseDiff:
    from_version: int
    to_version: int
    changes: list[FieldChange]
    personal_changes: list[FieldChange] = strawberry.field(
        metadata={PII: True}, description="Changes of the applicant's identity (restricted)."
    )

    @classmethod
    def from_data(cls, found: replay.CaseDiff) -> CaseDiff:
        return cls(
            from_version=found.from_version,
            to_version=found.to_version,
            changes=[FieldChange.from_data(c) for c in found.changes],
            personal_changes=[FieldChange.from_data(c) for c in found.personal_changes],
        )


@strawberry.type(
    description="The award or refusal as the Republican Commission made it: the case as it "
    "stood before the decision and the rulesets in force then, beside today's."
)
class CommissionView:
    decision_version: int
    decision_type: str
    seen: ApplicationView | None = strawberry.field(
        description="The case as the commission saw it (just before its decision)."
    )
    decided: ApplicationView | None = strawberry.field(description="Right after the decision.")
    today: ApplicationView | None
    rulesets_used: list[Ruleset] = strawberry.field(
        description="The rulesets the case's decisions used, up to this one."
    )
    in_force_then: list[Ruleset] = strawberry.field(
        description="The newest ruleset of each kind on the decision's business date."
    )
    in_force_today: list[Ruleset]
    changes_since: CaseDiff

    @classmethod
    def from_data(cls, case_id: UUID, view: replay.CommissionView) -> CommissionView:
        version = view.decision.originator_version
        return cls(
            decision_version=version,
            decision_type=type(view.decision).__name__,
            seen=application_from_events(case_id, view.seen),
            decided=application_from_events(case_id, view.today[:version]),
            today=application_from_events(case_id, view.today),
            rulesets_used=_rulesets(view.rulesets_used),
            in_force_then=_rulesets(view.in_force_then),
            in_force_today=_rulesets(view.in_force_today),
            changes_since=CaseDiff.from_data(view.changes_since),
        )


def _rulesets(ids: list[str]) -> list[Ruleset]:
    known = catalog.all_rulesets()
    return [Ruleset.from_data(known[i]) for i in ids if i in known]
