"""The regulations as versioned rulesets, with their sources."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.scalars import JSON

from domain.rules.ruleset import Ruleset as RulesetData
from infra.case_view import plain


@strawberry.type
class Source:
    seed: str
    section: str
    lines: str


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
    data: JSON

    @classmethod
    def from_data(cls, r: RulesetData) -> Ruleset:
        return cls(
            id=strawberry.ID(r.id),
            kind=r.kind,
            title=r.title,
            sources=[Source(seed=s.seed, section=s.section, lines=s.lines) for s in r.sources],
            effective_from=r.effective_from,
            effective_to=r.effective_to,
            supersedes=list(r.supersedes),
            notes=r.notes,
            data=plain(r.data),
        )
