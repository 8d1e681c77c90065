"""The quota ledger: one aggregate per campaign year, holding its places.

An award reserves a place in the same decision (and the same transaction) as the case's
``Awarded``; a revocation, or a scholar declining the award (``withdraw`` while the case
is awarded, before the contracts), returns it. The commission cannot award beyond the
campaign's places, nor beyond a quota category's share, unless it says so explicitly and
why (``award_beyond_places``): the override is an event of the ledger.

Within one process, the awards of a campaign take turns at its ledger (the command
handler's ``_ledger_turn``, ``domain/service.py``). Two awards of the last place from two
processes at once write the same version of the ledger: one is stored, the other conflicts,
is decided again on the stored ledger and is refused with the rule and the count.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Self
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.case import chain
from domain.case.meta import EventMeta
from domain.errors import TransitionRefusedError
from domain.quota import events as qe
from domain.rules.campaign_places import (
    WITHIN_CATEGORY_QUOTA,
    WITHIN_PLACES,
    CampaignPlaces,
    award_within_category_quota,
    award_within_places,
)
from domain.sealed import SealedAggregate

LEDGER_NAMESPACE = uuid5(NAMESPACE_URL, "https://bolashak.gov.kz/quota-ledgers")
COUNTS = ("reserved", "returned", "overrides")


def quota_ledger_id(year: int) -> UUID:
    """The id of a campaign's ledger: derived from its year, so every writer finds it."""
    return uuid5(LEDGER_NAMESPACE, f"quota:{year}")


class PlacesExhaustedError(TransitionRefusedError):
    """The award would go beyond the campaign's places or a category's share: refused,
    with the rule, the places and how many are used and available."""

    def __init__(self, command: str, rule: str, bound: str, places: int, used: int) -> None:
        self.places = places
        self.used = used
        self.available = max(places - used, 0)
        message = (
            f"{used} of the {places} places of {bound} are used, {self.available} available;"
            " the commission may award beyond them only with a reasoned override"
            " (award_beyond_places)"
        )
        super().__init__(command, "interviewed", rule, message)


@dataclass(frozen=True)
class PlaceHolder:
    """A case that holds a place by an award stored before its campaign's ledger was
    opened (a store from before the ledger): what ``carry_over`` reserves for it."""

    application_id: UUID
    category: str
    protocol_number: str


class QuotaLedger(SealedAggregate):
    """A campaign's places, and which cases hold them."""

    if TYPE_CHECKING:  # set by LedgerOpened (declared for the type checker only)
        campaign_year: int
        places: int
        category_quotas: dict[str, int]
        rulesets: tuple[str, ...]

    def __init__(self) -> None:
        self.chain_head: str = chain.GENESIS
        self.last_occurred_on: date = date.min
        self.held: dict[UUID, str] = {}  # application id -> category, places taken now
        self.counts: dict[str, dict[str, int]] = {}  # category -> reserved/returned/overrides

    def __deepcopy__(self, memo: dict[int, object]) -> Self:
        """A copy for one command: the few mutable containers are copied."""
        clone = self._shallow_copy()
        clone.held = dict(self.held)
        clone.counts = {k: dict(v) for k, v in self.counts.items()}
        clone.__dict__["_pending_events"] = list(self.pending_events)
        return clone

    @classmethod
    def open(cls, places: CampaignPlaces, meta: EventMeta) -> QuotaLedger:
        return cls._create(
            qe.LedgerOpened,
            id=quota_ledger_id(places.campaign_year),
            meta=meta,
            campaign_year=places.campaign_year,
            places=places.places,
            category_quotas=dict(places.category_quotas),
            rulesets=places.rulesets,
            places_source=places.source,
        )

    # -- what it holds --------------------------------------------------------------------

    def count(self, category: str, name: str) -> None:
        """Adds one to a category's count (the events' fold)."""
        found = self.counts.setdefault(category, dict.fromkeys(COUNTS, 0))
        found[name] += 1

    @property
    def used(self) -> int:
        """Places taken now: reserved and not returned."""
        return len(self.held)

    @property
    def available(self) -> int:
        return max(self.places - self.used, 0)

    def used_in(self, category: str) -> int:
        return sum(1 for held in self.held.values() if held == category)

    def total(self, name: str) -> int:
        return sum(c[name] for c in self.counts.values())

    def holds(self, application_id: UUID) -> bool:
        return application_id in self.held

    def has_place_for(self, category: str) -> bool:
        """An award in ``category`` would be within the places and the category's share."""
        return all(within for *_, within in self._bounds(category))

    # -- its steps --------------------------------------------------------------------------

    def reserve(
        self,
        meta: EventMeta,
        application_id: UUID,
        category: str,
        protocol_number: str,
        *,
        beyond_places: bool = False,
    ) -> None:
        """A place for an award: refused when none is left (in the campaign, or in the
        category's share) unless ``beyond_places``, which records the override first."""
        for rule, bound, places, used, within in self._bounds(category):
            if within:
                continue
            if not beyond_places:
                raise PlacesExhaustedError(meta.command, rule, bound, places, used)
            self.trigger_event(
                qe.QuotaOverridden,
                meta=meta,
                application_id=application_id,
                category=category,
                rule=rule,
                places=places,
                used=used,
                rulesets=self.rulesets,
            )
        self.trigger_event(
            qe.PlaceReserved,
            meta=meta,
            application_id=application_id,
            category=category,
            protocol_number=protocol_number,
            rulesets=self.rulesets,
        )

    def _bounds(self, category: str) -> list[tuple[str, str, int, int, bool]]:
        """Each bound an award in ``category`` must keep: the rule, what it bounds, its
        places, how many are used, and whether one is left."""
        used = self.used
        found = [
            (
                WITHIN_PLACES,
                f"the {self.campaign_year} campaign",
                self.places,
                used,
                award_within_places(used, self.places),
            )
        ]
        share = self.category_quotas.get(category)
        if share is not None:
            in_share = self.used_in(category)
            within = award_within_category_quota(in_share, share)
            found.append((WITHIN_CATEGORY_QUOTA, f"the {category} share", share, in_share, within))
        return found

    def give_back(self, meta: EventMeta, application_id: UUID) -> None:
        """The case's place returns to the campaign (nothing when it holds none)."""
        category = self.held.get(application_id)
        if category is None:
            return
        self.trigger_event(
            qe.PlaceReturned, meta=meta, application_id=application_id, category=category
        )

    def carry_over(self, meta: EventMeta, holders: Iterable[PlaceHolder]) -> int:
        """A place for each award stored before the ledger that it does not hold yet, so
        that the places it counts are the places the campaign's awards take. Those awards
        were made: one beyond the places (or a category's share) is recorded with the
        override it needed, under the carry-over's reason. Returns how many were added."""
        added = 0
        for holder in holders:
            if holder.application_id in self.held:
                continue
            self.reserve(
                meta,
                holder.application_id,
                holder.category,
                holder.protocol_number,
                beyond_places=True,
            )
            added += 1
        return added
