"""The regulations as versioned rulesets, with their sources."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api.context import Context
from domain.rules.ruleset import Ruleset as RulesetData
from domain.rules.ruleset import RulesetStatus
from infra.case_view import plain

strawberry.enum(RulesetStatus, description="Where a ruleset stands today, by its period.")


@strawberry.type
class Source:
    seed: str
    section: str
    lines: str
    keywords: list[str] = strawberry.field(
        description="Words of the seed the cited lines contain (checked by the tests)."
    )


def _status_today(root: Ruleset, info: Info[Context, None]) -> RulesetStatus:
    return root.ruleset.status_on(info.context.services.clock.today())


@strawberry.type(description="One version of one part of the regulations, as data.")
class Ruleset:
    id: strawberry.ID
    kind: str
    title: str
    sources: list[Source]
    effective_from: date | None
    effective_to: date | None
    supersedes: list[str]
    notes: str
    policy: bool = strawberry.field(
        description="CIP policy, a rule the seeds do not state and the project decides: the "
        "whole ruleset, or some of its rows (policyRows)."
    )
    policy_rows: list[str] = strawberry.field(
        description='Where the rows or blocks marked as CIP policy are, e.g. "rows[3] '
        "(lines 497-499)\"; empty when no row is marked (policy is then the whole ruleset's)."
    )
    data: JSON

    status: RulesetStatus = strawberry.field(
        resolver=_status_today,
        description="In force, history or not yet, on today's business date.",
    )
    ruleset: strawberry.Private[RulesetData]

    @classmethod
    def from_data(cls, r: RulesetData) -> Ruleset:
        return cls(
            id=strawberry.ID(r.id),
            kind=r.kind,
            title=r.title,
            sources=[
                Source(seed=s.seed, section=s.section, lines=s.lines, keywords=list(s.keywords))
                for s in r.sources
            ],
            effective_from=r.effective_from,
            effective_to=r.effective_to,
            supersedes=list(r.supersedes),
            notes=r.notes,
            policy=r.has_policy,
            policy_rows=list(r.policy_rows),
            data=plain(r.data),
            ruleset=r,
        )
