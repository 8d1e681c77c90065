"""The events of a campaign's quota ledger, each a past-tense fact about its places.

Like a case's, every event carries the command's metadata (who, when, why) and is sealed
into the ledger's own hash chain (``domain/sealed.py``). The ledger is written in the same
transaction as the case whose award or return moved a place, so its history and the
cases' never disagree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.case.events import Basis
from domain.case.meta import EventMeta
from domain.case.stage import Stage

if TYPE_CHECKING:
    from domain.quota.ledger import QuotaLedger


class LedgerEvent(Aggregate.Event):
    meta: EventMeta

    def apply(self, aggregate: Any) -> None:
        ledger: QuotaLedger = aggregate
        ledger.chain_head = self.meta.chain_hash
        ledger.last_occurred_on = self.meta.occurred_on
        self.evolve(ledger)

    def evolve(self, ledger: QuotaLedger) -> None:
        """How this fact changes the ledger (the event's own part of ``apply``)."""

    def stage_after(self) -> Stage | None:
        """A ledger has no stage (the readers of the log ask every event)."""
        return None

    @property
    def basis(self) -> Basis | None:
        return None


class LedgerOpened(LedgerEvent, Aggregate.Created):
    """A campaign's ledger, opened at its first award with the campaign's places and the
    quota categories' shares (``campaign_places``: 555 in 2023, 001 line 36)."""

    campaign_year: int
    places: int
    category_quotas: dict[str, int]
    rulesets: tuple[str, ...]
    places_source: str  # "ruleset", or the setting that replaced the ruleset's places

    def evolve(self, ledger: QuotaLedger) -> None:
        ledger.campaign_year = self.campaign_year
        ledger.places = self.places
        ledger.category_quotas = dict(self.category_quotas)
        ledger.rulesets = self.rulesets

    @property
    def basis(self) -> Basis:
        facts = {"places": str(self.places), "places_source": self.places_source}
        facts.update({f"quota.{k}": str(v) for k, v in sorted(self.category_quotas.items())})
        return Basis(self.rulesets, facts)


class PlaceReserved(LedgerEvent):
    """The commission's award took one of the campaign's places (in the case's category)."""

    application_id: UUID
    category: str
    protocol_number: str
    rulesets: tuple[str, ...]  # the ledger's: its places were read from them

    def evolve(self, ledger: QuotaLedger) -> None:
        ledger.held[self.application_id] = self.category
        ledger.count(self.category, "reserved")

    @property
    def basis(self) -> Basis:
        return Basis(self.rulesets, {"category": self.category})


class PlaceReturned(LedgerEvent):
    """A scholar's place came back to the campaign: the status was revoked, or the scholar
    declined the award (withdrew before the contracts)."""

    application_id: UUID
    category: str

    def evolve(self, ledger: QuotaLedger) -> None:
        ledger.held.pop(self.application_id, None)
        ledger.count(self.category, "returned")


class QuotaOverridden(LedgerEvent):
    """The commission awarded beyond the places (or the category's share), explicitly and
    with its reason (``meta.reason``): the rule it went past, and the count at the time."""

    application_id: UUID
    category: str
    rule: str  # award_within_places or award_within_category_quota
    places: int  # the bound gone past (the campaign's places, or the category's share)
    used: int  # the places of that bound in use before this award
    rulesets: tuple[str, ...]  # the ledger's: the bound was read from them

    def evolve(self, ledger: QuotaLedger) -> None:
        ledger.count(self.category, "overrides")

    @property
    def basis(self) -> Basis:
        facts = {"rule": self.rule, "places": str(self.places), "used": str(self.used)}
        return Basis(self.rulesets, facts)


LEDGER_EVENT_TYPES: tuple[type[LedgerEvent], ...] = (
    LedgerOpened,
    PlaceReserved,
    PlaceReturned,
    QuotaOverridden,
)
