"""The places of a campaign: the scholarships the Republican Commission may award in a
year (555 in 2023, 001 line 36), and the quota categories' shares of them (CIP policy:
the seeds name the categories, «Квотные категории» (001 lines 63-67), and give no numbers).

The quota ledger (``domain/quota/ledger.py``) is opened with them at a campaign's first
award and keeps them: a ruleset changed later does not change a ledger already opened.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.rules import catalog

KIND = "campaign_places"
WITHIN_PLACES = "award_within_places"
WITHIN_CATEGORY_QUOTA = "award_within_category_quota"


@dataclass(frozen=True)
class CampaignPlaces:
    """A campaign's places, its categories' shares (category value -> places) and the
    rulesets (or setting) they were read from."""

    campaign_year: int
    places: int
    category_quotas: dict[str, int] = field(default_factory=dict)
    rulesets: tuple[str, ...] = ()
    source: str = "ruleset"  # "ruleset", or the setting that replaced the places


class NoPlacesOnRecordError(LookupError):
    """No ruleset gives the places of the campaign: nothing can be awarded in it."""

    def __init__(self, year: int) -> None:
        super().__init__(f"no places are on record for the {year} campaign")


def places_for(year: int) -> CampaignPlaces:
    """The places of the ``year`` campaign and its categories' shares, from rule data."""
    for ruleset in catalog.of_kind(KIND):
        data = ruleset.data
        if data["campaign_year"] != year:
            continue
        shares = data.get("category_quotas", {})
        quotas = {k: int(v) for k, v in shares.items() if isinstance(v, int) and k != "policy"}
        return CampaignPlaces(year, int(data["places"]), quotas, (ruleset.id,))
    raise NoPlacesOnRecordError(year)


def award_within_places(used: int, places: int) -> bool:
    """An award takes one of the campaign's places: allowed while one is left (001 line
    36: the campaign's 555 scholarships)."""
    return used < places


def award_within_category_quota(used: int, quota: int | None) -> bool:
    """An award in a quota category takes one of its share's places (CIP policy; the
    seed names the categories, «Квотные категории», 001 lines 63-67); a category without a
    share is bound by the places only."""
    return quota is None or used < quota
