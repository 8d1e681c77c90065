"""Carrying over the awards a store holds from before its quota ledgers (``bolashak quota
carry-over``, ``CommandHandler.carry_over_awards``): a store written by a version without
the ledger has awards and no ledger, and the first award after the upgrade would open a
ledger that counts none of them. The carry-over gives the campaign's ledger a place for
each case that holds one (the campaign's places: seed 001 line 36; category shares: CIP
policy). Each test names what it checks, on the embedded default and on PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from uuid import UUID

import pytest
from typer.testing import CliRunner

from api.cli.main import app as cli
from domain.case.meta import Role
from domain.case.stage import Stage
from domain.clock import FixedClock
from domain.errors import InvalidInputError
from domain.permissions import PermissionDeniedError
from domain.quota import events as qe
from domain.quota.ledger import PlacesExhaustedError, QuotaLedger, quota_ledger_id
from domain.service import CarriedOver
from domain.store import WriteConflictError
from infra.awards_before_ledger import awarded_cases
from infra.case_store import CaseService
from infra.container import build_service
from infra.settings import Settings
from tests.conftest import FAR_FUTURE
from tests.support import builders as b
from tests.support.journey import Journey, key
from tests.unit.quota.test_quota_ledger import AWARD_DAY, award

REASON = "upgrade: the awards stored before the quota ledger (synthetic)"


@pytest.fixture
def store(fresh_store: Settings) -> Iterator[CaseService]:
    """A store of its own, with 3 places in 2023 (synthetic)."""
    settings = fresh_store.model_copy(update={"awards_targets": ((2023, 3),)})
    service = build_service(settings, clock=FixedClock(FAR_FUTURE))
    yield service
    service.close()


def awarded_before_the_ledger(service: CaseService, count: int) -> list[Journey]:
    """Cases awarded as a version without the ledger stored them: the case's ``Awarded``
    only (its command has no quota step)."""
    journeys = []
    for _ in range(count):
        journey = Journey(service)
        journey.to(Stage.INTERVIEWED)
        journeys.append(journey)
    quota_step = service.handler._quota_step
    setattr(service.handler, "_quota_step", lambda *_: None)  # noqa: B010
    try:
        for i, journey in enumerate(journeys):
            award(journey, f"RK-2022/{i}")
    finally:
        setattr(service.handler, "_quota_step", quota_step)  # noqa: B010
    assert service.stored_ledger(2023) is None
    return journeys


def carry_over(service: CaseService, role: Role = Role.ADMIN, reason: str = REASON) -> CarriedOver:
    ctx = b.context(key("carry"), on=AWARD_DAY, role=role, actor="admin-1", reason=reason)
    return service.handler.carry_over_awards(2023, awarded_cases(service), ctx)


def ledger_of(service: CaseService) -> QuotaLedger:
    found = service.stored_ledger(2023)
    assert found is not None
    return found


def test_carry_over_opens_the_ledger_with_a_place_for_each_award_stored_before_it(
    store: CaseService,
) -> None:
    journeys = awarded_before_the_ledger(store, 2)
    done = carry_over(store)
    assert (done.reserved, done.returned, done.overrides) == (2, 0, 0)
    ledger = ledger_of(store)
    assert (ledger.used, ledger.available, done.ledger_version) == (2, 1, ledger.version)
    assert all(ledger.holds(j.id) for j in journeys)
    events: list[qe.LedgerEvent] = list(store.events.get(quota_ledger_id(2023)))  # type: ignore[arg-type]
    assert isinstance(events[0], qe.LedgerOpened)
    assert {e.meta.command for e in events} == {"carry_over_awards"}
    assert {e.meta.reason for e in events} == {REASON}


def test_carry_over_run_again_adds_nothing(store: CaseService) -> None:
    awarded_before_the_ledger(store, 2)
    carry_over(store)
    version = ledger_of(store).version
    again = carry_over(store)
    assert (again.reserved, again.returned, again.ledger_version) == (0, 0, version)


def test_the_next_award_counts_the_places_carried_over(store: CaseService) -> None:
    """3 places, 2 taken before the ledger: the next award takes the last one, and the one
    after is refused (award_within_places)."""
    awarded_before_the_ledger(store, 2)
    carry_over(store)
    third, fourth = Journey(store), Journey(store)
    for journey in (third, fourth):
        journey.to(Stage.INTERVIEWED)
    award(third, "RK-2023/3")
    with pytest.raises(PlacesExhaustedError) as refused:
        award(fourth, "RK-2023/4")
    assert (refused.value.rule, refused.value.used) == ("award_within_places", 3)
    assert ledger_of(store).used == 3


def test_a_ledger_opened_by_a_newer_award_gets_the_older_awards_too(store: CaseService) -> None:
    older = awarded_before_the_ledger(store, 1)
    newer = Journey(store)
    newer.to(Stage.INTERVIEWED)
    award(newer, "RK-2023/9")  # opens the ledger, counting itself only
    assert ledger_of(store).used == 1
    done = carry_over(store)
    assert done.reserved == 1
    ledger = ledger_of(store)
    assert ledger.used == 2
    assert ledger.holds(older[0].id)


def test_a_revoked_or_declined_award_holds_no_place_and_is_not_carried_over(
    store: CaseService,
) -> None:
    kept, declined = awarded_before_the_ledger(store, 2)
    declined.withdraw(AWARD_DAY)
    done = carry_over(store)
    assert done.reserved == 1
    ledger = ledger_of(store)
    assert ledger.holds(kept.id)
    assert not ledger.holds(declined.id)


def test_awards_beyond_the_places_are_carried_over_as_overrides(store: CaseService) -> None:
    """They were made: the ledger records each with the override it needed."""
    awarded_before_the_ledger(store, 4)
    done = carry_over(store)
    assert (done.reserved, done.overrides) == (4, 1)
    ledger = ledger_of(store)
    assert (ledger.used, ledger.available) == (4, 0)
    overrides = [
        e for e in store.events.get(quota_ledger_id(2023)) if isinstance(e, qe.QuotaOverridden)
    ]
    assert [(o.rule, o.places, o.used) for o in overrides] == [("award_within_places", 3, 3)]


def test_a_case_revoked_after_its_place_was_carried_over_returns_it(store: CaseService) -> None:
    (journey,) = awarded_before_the_ledger(store, 1)
    carry_over(store)
    journey.withdraw(AWARD_DAY)
    assert not ledger_of(store).holds(journey.id)


def test_only_an_admin_carries_over_and_must_say_why(store: CaseService) -> None:
    awarded_before_the_ledger(store, 1)
    with pytest.raises(PermissionDeniedError, match="allowed: admin"):
        carry_over(store, role=Role.OFFICER)
    with pytest.raises(InvalidInputError) as refused:
        carry_over(store, reason=" ")
    assert [(e.field, e.rule) for e in refused.value.errors] == [("reason", "required")]
    assert store.stored_ledger(2023) is None


def test_a_store_without_awards_gets_no_ledger(store: CaseService) -> None:
    done = carry_over(store)
    assert done == CarriedOver(2023, 0, 0, 0, 0)
    assert store.stored_ledger(2023) is None


def test_the_command_line_carries_over_and_reports_what_it_did(
    store: CaseService, fresh_store: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    awarded_before_the_ledger(store, 2)
    monkeypatch.setenv("BOLASHAK_DATABASE_URL", fresh_store.database.url)
    monkeypatch.setenv("BOLASHAK_AWARDS_TARGET_2023", "3")
    args = ["quota", "carry-over", "--year", "2023", "--reason", REASON]
    done = CliRunner().invoke(cli, args, env={"BOLASHAK_TODAY": "2023-06-12"})
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout[done.stdout.index("{") :])
    assert report == {
        "campaignYear": 2023,
        "casesWithAnAward": 2,
        "reserved": 2,
        "returned": 0,
        "overrides": 0,
        "ledgerVersion": 3,
    }
    refused = CliRunner().invoke(cli, ["quota", "carry-over", "--year", "2023", "--reason", ""])
    assert refused.exit_code == 2, refused.output
    assert "reason" in refused.output


def test_a_give_back_whose_save_fails_leaves_this_process_s_ledger_as_stored(
    store: CaseService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A case that left while its place was carried over gives it back in a second save; when
    that save fails (another writer got there first), the carry-over is decided again, and
    this process's copy of the ledger, read by every next award, is the stored one, not the
    one the failed save changed."""
    first, second = awarded_before_the_ledger(store, 2)
    holder = store.handler._holder
    reads: dict[object, int] = {}

    def leaves_after_the_carry_over(application_id: UUID) -> object:
        reads[application_id] = reads.get(application_id, 0) + 1
        if application_id == second.id and reads[application_id] > 1:
            return None  # read again after the ledger's save: it has left meanwhile
        return holder(application_id)

    monkeypatch.setattr(store.handler, "_holder", leaves_after_the_carry_over)
    save_ledger = store.save_ledger
    saves: list[int] = []

    def second_save_fails_once(ledger: QuotaLedger) -> None:
        saves.append(ledger.version)
        if len(saves) == 2:
            raise WriteConflictError("another writer saved the ledger first (synthetic)")
        save_ledger(ledger)

    monkeypatch.setattr(store, "save_ledger", second_save_fails_once)
    done = carry_over(store)
    assert done.returned == 1
    held = store.held_ledger(2023)
    stored = ledger_of(store)
    assert held is not None
    assert (held.version, held.holds(first.id), held.holds(second.id)) == (
        stored.version,
        True,
        False,
    )
    assert not held.pending_events
