"""The quota ledger (domain/quota/ledger.py): the campaign's places, 555 in 2023 (seed 001
line 36), reserved by an award in the same transaction as the case's ``Awarded``, returned
by a revocation or a declined award, never exceeded without the commission's reasoned
override. Each test is named after the rule or the transition it checks."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import pytest

from domain import commands as c
from domain.case.meta import Role
from domain.case.stage import Stage
from domain.clock import FixedClock
from domain.errors import InvalidInputError
from domain.programme import Category
from domain.quota import events as qe
from domain.quota.ledger import PlacesExhaustedError, QuotaLedger, quota_ledger_id
from domain.rules.campaign_places import CampaignPlaces
from infra.case_store import CaseService
from infra.container import build_service
from infra.settings import Settings
from tests.conftest import FAR_FUTURE
from tests.support import builders as b
from tests.support.journey import PROTOCOL_DATE, Journey

AWARD_DAY = date(2023, 6, 12)
REASON = "the commission's protocol RK-2023/7 awards beyond the places (synthetic)"


def _service(places: dict[int, int] | None = None) -> CaseService:
    settings = Settings.from_env({"BOLASHAK_DATABASE_URL": "memory:"})
    if places:
        settings = settings.model_copy(update={"awards_targets": tuple(places.items())})
    return build_service(settings, clock=FixedClock(FAR_FUTURE))


@pytest.fixture
def two_places() -> Iterator[CaseService]:
    """A campaign of 2 places (``BOLASHAK_AWARDS_TARGET_2023``; synthetic)."""
    svc = _service({2023: 2})
    yield svc
    svc.close()


def interviewed(service: CaseService, category: Category = Category.RURAL) -> Journey:
    journey = Journey(service, b.submission(plan=b.plan(category=category)))
    journey.to(Stage.INTERVIEWED)
    return journey


def award(journey: Journey, number: str = "RK-2023/7", *, beyond: bool = False) -> None:
    command = c.AwardBeyondPlaces if beyond else c.Award
    journey.send(
        command(journey.id, number, PROTOCOL_DATE),
        AWARD_DAY,
        role=Role.COMMISSION,
        actor="commission-1",
        reason=REASON if beyond else "",
    )


def ledger_of(service: CaseService, year: int = 2023) -> QuotaLedger:
    found = service.stored_ledger(year)
    assert found is not None
    return found


def ledger_events(service: CaseService, year: int = 2023) -> list[qe.LedgerEvent]:
    return list(service.events.get(quota_ledger_id(year)))  # type: ignore[arg-type]


def test_the_ledger_id_is_derived_from_the_campaign_year() -> None:
    assert quota_ledger_id(2023) == quota_ledger_id(2023) != quota_ledger_id(2024)


def test_award_within_places_opens_the_ledger_with_the_555_places_of_seed_001_line_36(
    service: CaseService,
) -> None:
    journey = interviewed(service)
    award(journey)
    opened, reserved = ledger_events(service)
    assert isinstance(opened, qe.LedgerOpened)
    assert (opened.campaign_year, opened.places) == (2023, 555)
    assert opened.rulesets == ("campaign-places-2023",)
    assert opened.places_source == "ruleset"
    assert isinstance(reserved, qe.PlaceReserved)
    assert (reserved.application_id, reserved.category) == (journey.id, "rural")
    assert reserved.meta.command == "award"
    ledger = ledger_of(service)
    assert (ledger.used, ledger.available) == (1, 554)


def test_the_award_and_its_reservation_are_one_save(service: CaseService) -> None:
    """The command's result points at the ledger's last event: both were stored together."""
    journey = interviewed(service)
    ctx = b.context("award-once", on=AWARD_DAY, role=Role.COMMISSION, actor="commission-1")
    result = service.handle(c.Award(journey.id, "RK-2023/7", PROTOCOL_DATE), ctx)
    notes = service.recorder.select_notifications(start=1, limit=1000)
    assert notes[-1].originator_id == quota_ledger_id(2023)
    assert result.notification_id == notes[-1].id
    assert notes[-3].originator_id == journey.id  # the Awarded, then the opening
    again = service.handle(c.Award(journey.id, "RK-2023/7", PROTOCOL_DATE), ctx)
    assert again.replayed
    assert ledger_of(service).used == 1


def test_award_within_places_refuses_beyond_the_places_naming_the_rule_and_the_count(
    two_places: CaseService,
) -> None:
    first, second, third = (interviewed(two_places) for _ in range(3))
    award(first)
    award(second)
    with pytest.raises(PlacesExhaustedError) as refused:
        award(third)
    assert refused.value.rule == "award_within_places"
    assert (refused.value.places, refused.value.used, refused.value.available) == (2, 2, 0)
    assert "2 of the 2 places" in str(refused.value)
    assert two_places.get_case(third.id).stage is Stage.INTERVIEWED  # nothing stored
    assert ledger_of(two_places).used == 2


def test_the_setting_replaces_the_places_and_says_so_on_the_ledger(
    two_places: CaseService,
) -> None:
    award(interviewed(two_places))
    opened = ledger_events(two_places)[0]
    assert isinstance(opened, qe.LedgerOpened)
    assert opened.places == 2
    assert opened.places_source == "setting BOLASHAK_AWARDS_TARGET_2023"
    assert opened.category_quotas == {"rural": 100, "engineering_technical": 100, "medical": 80}


def test_award_within_category_quota_refuses_beyond_the_categorys_share(
    service: CaseService,
) -> None:
    """The shares are CIP policy (the seed names the quota categories, 001 lines 63-67)."""
    given = service.handler.places
    service.handler.places = lambda y: replace(given(y), category_quotas={"medical": 1})
    award(interviewed(service, Category.MEDICAL))
    award(interviewed(service, Category.RURAL))  # no share of its own: the places bound it
    with pytest.raises(PlacesExhaustedError) as refused:
        award(interviewed(service, Category.MEDICAL))
    assert refused.value.rule == "award_within_category_quota"
    assert (refused.value.places, refused.value.used) == (1, 1)


def test_award_beyond_places_records_the_reasoned_override_on_the_ledger(
    two_places: CaseService,
) -> None:
    award(interviewed(two_places))
    award(interviewed(two_places))
    third = interviewed(two_places)
    award(third, beyond=True)
    *_, overridden, reserved = ledger_events(two_places)
    assert isinstance(overridden, qe.QuotaOverridden)
    assert (overridden.rule, overridden.places, overridden.used) == ("award_within_places", 2, 2)
    assert overridden.meta.reason == REASON
    assert overridden.meta.actor_role is Role.COMMISSION
    assert isinstance(reserved, qe.PlaceReserved)
    assert two_places.get_case(third.id).stage is Stage.AWARDED
    ledger = ledger_of(two_places)
    assert (ledger.used, ledger.available, ledger.total("overrides")) == (3, 0, 1)


def test_award_beyond_places_needs_a_reason(two_places: CaseService) -> None:
    journey = interviewed(two_places)
    with pytest.raises(InvalidInputError) as refused:
        journey.send(
            c.AwardBeyondPlaces(journey.id, "RK-2023/7", PROTOCOL_DATE),
            AWARD_DAY,
            role=Role.COMMISSION,
        )
    assert [(e.field, e.rule) for e in refused.value.errors] == [("reason", "required")]


def test_award_beyond_places_within_the_places_records_no_override(service: CaseService) -> None:
    award(interviewed(service), beyond=True)
    assert [type(e) for e in ledger_events(service)] == [qe.LedgerOpened, qe.PlaceReserved]


def test_revoke_returns_the_place(two_places: CaseService) -> None:
    first = interviewed(two_places)
    award(first)
    award(interviewed(two_places))
    first.revoke_for_the_missed_deadline(date(2023, 9, 10))
    returned = ledger_events(two_places)[-1]
    assert isinstance(returned, qe.PlaceReturned)
    assert (returned.application_id, returned.meta.command) == (first.id, "revoke")
    award(interviewed(two_places))  # the returned place is awarded again
    ledger = ledger_of(two_places)
    assert (ledger.used, ledger.total("reserved"), ledger.total("returned")) == (2, 3, 1)


def test_withdraw_after_the_award_is_a_declined_award_and_returns_the_place(
    service: CaseService,
) -> None:
    journey = interviewed(service)
    award(journey)
    journey.withdraw(date(2023, 6, 20))
    returned = ledger_events(service)[-1]
    assert isinstance(returned, qe.PlaceReturned)
    assert returned.meta.command == "withdraw"
    assert ledger_of(service).used == 0


def test_withdraw_before_the_award_leaves_the_ledger_alone(service: CaseService) -> None:
    journey = Journey(service)
    journey.to(Stage.SUBMITTED)
    journey.withdraw(date(2023, 4, 22))
    assert service.stored_ledger(2023) is None


def test_the_ledgers_events_are_sealed_into_its_own_chain(two_places: CaseService) -> None:
    award(interviewed(two_places))
    award(interviewed(two_places))
    found = ledger_events(two_places)
    assert found[0].meta.prev_hash == "0" * 64
    for before, after in itertools.pairwise(found):
        assert after.meta.prev_hash == before.meta.chain_hash != ""


def test_campaign_places_of_the_ruleset() -> None:
    from domain.rules.campaign_places import places_for

    found = places_for(2023)
    assert found == CampaignPlaces(
        2023,
        555,
        {"rural": 100, "engineering_technical": 100, "medical": 80},
        ("campaign-places-2023",),
    )
