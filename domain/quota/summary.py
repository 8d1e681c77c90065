"""What a campaign's quota ledger shows: its places, reserved, returned and in use, per
quota category, and every award beyond them with who decided it and why. Folded from the
ledger's events (as stored, or as of a point of its history), for ``quotas(year)`` and
``quotaHistory(year)``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from domain.case.meta import Role
from domain.quota import events as qe
from domain.rules.campaign_places import CampaignPlaces


@dataclass(frozen=True)
class Counts:
    """Places of a campaign or a category's share (None: a category without a share)."""

    places: int | None
    reserved: int = 0
    returned: int = 0
    # overrides recorded: an award beyond both the places and its category's share
    # records one of each
    overridden: int = 0

    @property
    def used(self) -> int:
        return self.reserved - self.returned

    @property
    def available(self) -> int | None:
        return None if self.places is None else max(self.places - self.used, 0)


@dataclass(frozen=True)
class Override:
    """An award beyond the places or a category's share, as the ledger recorded it."""

    application_id: UUID
    category: str
    rule: str
    places: int
    used: int
    actor_id: str
    actor_role: Role
    reason: str
    occurred_on: date
    recorded_at: datetime


@dataclass(frozen=True)
class QuotaSummary:
    campaign_year: int
    opened: bool  # False: no award yet, the places as the ledger would be opened with
    places_source: str
    rulesets: tuple[str, ...]
    total: Counts
    categories: dict[str, Counts] = field(default_factory=dict)
    overrides: tuple[Override, ...] = ()


def unopened(places: CampaignPlaces) -> QuotaSummary:
    """A campaign before its first award: its places, nothing used."""
    categories = {k: Counts(v) for k, v in sorted(places.category_quotas.items())}
    total = Counts(places.places)
    return QuotaSummary(
        places.campaign_year, False, places.source, places.rulesets, total, categories
    )


def summary(events: Sequence[qe.LedgerEvent]) -> QuotaSummary:
    """The ledger after ``events`` (its history from the opening, or a prefix of it)."""
    opened = events[0]
    assert isinstance(opened, qe.LedgerOpened)
    tally: dict[str, list[int]] = {k: [0, 0, 0] for k in sorted(opened.category_quotas)}
    overrides = []
    for event in events[1:]:
        if isinstance(event, qe.PlaceReserved | qe.PlaceReturned | qe.QuotaOverridden):
            column = _COLUMN[type(event)]
            tally.setdefault(event.category, [0, 0, 0])[column] += 1
        if isinstance(event, qe.QuotaOverridden):
            overrides.append(_override(event))
    sums = [sum(t[i] for t in tally.values()) for i in range(3)]
    total = Counts(opened.places, *sums)
    shares = opened.category_quotas
    categories = {k: Counts(shares.get(k), *t) for k, t in sorted(tally.items())}
    return QuotaSummary(
        opened.campaign_year,
        True,
        opened.places_source,
        opened.rulesets,
        total,
        categories,
        tuple(overrides),
    )


_COLUMN: dict[type[qe.LedgerEvent], int] = {
    qe.PlaceReserved: 0,
    qe.PlaceReturned: 1,
    qe.QuotaOverridden: 2,
}


def _override(event: qe.QuotaOverridden) -> Override:
    meta = event.meta
    return Override(
        event.application_id,
        event.category,
        event.rule,
        event.places,
        event.used,
        meta.actor_id,
        meta.actor_role,
        meta.reason,
        meta.occurred_on,
        event.timestamp,
    )
