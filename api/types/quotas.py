"""A campaign's quota ledger: its places, their use per quota category, the awards beyond
them, and its history replayed like a case's."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from api.types.history import EventRecord
from domain.case.meta import Role
from domain.quota.summary import Counts, Override, QuotaSummary
from infra.audit.replay import QuotaReplay
from projections.queries.dashboard import Places


@strawberry.type(description="A campaign's places as its quota ledger counts them.")
class PlaceCounts:
    places: int | None = strawberry.field(
        description="The campaign's places (555 in 2023, seed 001 line 36), or a category's"
        " share (CIP policy); null for a category without a share of its own."
    )
    used: int = strawberry.field(description="Held now: reserved by awards, not returned.")
    available: int | None = strawberry.field(description="Places left (never below 0).")
    reserved: int = strawberry.field(description="Reserved by awards, in all.")
    returned: int = strawberry.field(
        description="Returned by a revocation or a declined award (withdraw after the award)."
    )
    overridden: int = strawberry.field(
        description="Overrides recorded: awards the commission made beyond the places or the"
        " category's share, with its reason."
    )

    @classmethod
    def of(cls, counts: Counts | Places) -> PlaceCounts:
        overridden = counts.overridden if isinstance(counts, Counts) else counts.overrides
        return cls(
            places=counts.places,
            used=counts.used,
            available=counts.available,
            reserved=counts.reserved,
            returned=counts.returned,
            overridden=overridden,
        )


@strawberry.type(description="A quota category's share of the campaign's places.")
class CategoryQuota:
    category: str
    counts: PlaceCounts


@strawberry.type(description="An award beyond the places, as the quota ledger recorded it.")
class QuotaOverride:
    application_id: strawberry.ID
    category: str
    rule: str = strawberry.field(
        description="The rule gone past: award_within_places or award_within_category_quota."
    )
    places: int
    used: int = strawberry.field(description="Places of that bound in use before the award.")
    actor_id: str
    actor_role: Role
    reason: str
    occurred_on: date
    recorded_at: datetime

    @classmethod
    def of(cls, o: Override) -> QuotaOverride:
        return cls(
            application_id=strawberry.ID(str(o.application_id)),
            category=o.category,
            rule=o.rule,
            places=o.places,
            used=o.used,
            actor_id=o.actor_id,
            actor_role=o.actor_role,
            reason=o.reason,
            occurred_on=o.occurred_on,
            recorded_at=o.recorded_at,
        )


@strawberry.type(
    description="A campaign's quota ledger: its places, used, reserved and returned, per quota"
    " category, and the awards beyond them. Read from the event store: the numbers the"
    " commission's awards are refused on."
)
class Quotas:
    campaign_year: int
    opened: bool = strawberry.field(
        description="False before the campaign's first award: the places it would open with."
    )
    places_source: str = strawberry.field(
        description='"ruleset", or the setting that replaced the ruleset\'s number.'
    )
    rulesets: list[str]
    total: PlaceCounts
    categories: list[CategoryQuota]
    overrides: list[QuotaOverride]

    @classmethod
    def of(cls, s: QuotaSummary) -> Quotas:
        return cls(
            campaign_year=s.campaign_year,
            opened=s.opened,
            places_source=s.places_source,
            rulesets=list(s.rulesets),
            total=PlaceCounts.of(s.total),
            categories=[
                CategoryQuota(category=k, counts=PlaceCounts.of(v)) for k, v in s.categories.items()
            ],
            overrides=[QuotaOverride.of(o) for o in s.overrides],
        )


@strawberry.type(
    description="A campaign's quota ledger replayed from the event store, as a case's"
    " history is: every event with its metadata and hash chain, and the ledger as of a point."
)
class QuotaHistory:
    campaign_year: int
    ledger_id: strawberry.ID
    as_of_version: int
    events: list[EventRecord]
    quotas: Quotas | None

    @classmethod
    def of(cls, r: QuotaReplay) -> QuotaHistory:
        found = r.summary()
        return cls(
            campaign_year=r.campaign_year,
            ledger_id=strawberry.ID(str(r.ledger_id)),
            as_of_version=r.as_of_version,
            events=[EventRecord.from_event(e) for e in r.shown],  # type: ignore[arg-type]
            quotas=Quotas.of(found) if found else None,
        )
