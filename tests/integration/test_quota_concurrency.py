"""The last places of a campaign awarded at the same moment, on PostgreSQL: every award
writes the campaign's quota ledger in the same transaction as its case, so two awards of
the last place conflict on the ledger's version; the loser is decided again on the stored
ledger and refused (award_within_places, seed 001 line 36: the campaign's places)."""

from __future__ import annotations

import functools
from typing import Any

import pytest

from domain import commands as c
from domain.case.meta import Role
from domain.case.stage import Stage
from domain.clock import FixedClock
from domain.quota import events as qe
from domain.quota.ledger import PlacesExhaustedError, quota_ledger_id
from domain.service import CommandResult
from domain.store import WriteConflictError
from infra.case_store import CaseService
from infra.container import build_service
from infra.settings import Settings
from tests.conftest import FAR_FUTURE
from tests.integration.test_concurrency_postgres import WRITERS, in_parallel
from tests.support import builders as b
from tests.support.journey import PROTOCOL_DATE, Journey
from tests.unit.quota.test_quota_ledger import AWARD_DAY

PLACES = 5  # synthetic: BOLASHAK_AWARDS_TARGET_2023 for this database


@pytest.fixture
def five_places(fresh_postgres: Settings) -> tuple[Settings, list[Journey]]:
    """A database of its own (its own 2023 ledger) with 16 interviewed cases."""
    settings = fresh_postgres.model_copy(update={"awards_targets": ((2023, PLACES),)})
    setup = build_service(settings, clock=FixedClock(FAR_FUTURE))
    cases = []
    for _ in range(WRITERS):
        journey = Journey(setup)
        journey.to(Stage.INTERVIEWED)
        cases.append(journey)
    setup.close()
    return settings, cases


def award(cases: list[Journey], service: CaseService, i: int) -> CommandResult:
    """Commission member ``i`` awards case ``i``."""
    ctx = b.context(f"award-{i}", on=AWARD_DAY, role=Role.COMMISSION, actor=f"member-{i}")
    return service.handle(c.Award(cases[i].id, f"RK-2023/{i}", PROTOCOL_DATE), ctx)


def award_all_at_once(
    settings: Settings, cases: list[Journey], *, shared: bool
) -> list[CommandResult | Exception]:
    return in_parallel(settings, functools.partial(award, cases), shared=shared)


def check_exactly_the_places_were_awarded(
    settings: Settings, cases: list[Journey], results: list[CommandResult | Exception]
) -> None:
    awarded = [r for r in results if isinstance(r, CommandResult)]
    refused = [r for r in results if isinstance(r, PlacesExhaustedError)]
    assert (len(awarded), len(refused)) == (PLACES, WRITERS - PLACES), results
    for refusal in refused:
        assert refusal.rule == "award_within_places"
        assert (refusal.places, refusal.used, refusal.available) == (PLACES, PLACES, 0)
    reader = build_service(settings, clock=FixedClock(FAR_FUTURE))
    stages = [reader.get_case(j.id).stage for j in cases]
    assert stages.count(Stage.AWARDED) == PLACES
    assert stages.count(Stage.INTERVIEWED) == WRITERS - PLACES
    ledger = list(reader.events.get(quota_ledger_id(2023)))
    assert [e.originator_version for e in ledger] == list(range(1, PLACES + 2))
    reserved = {e.application_id for e in ledger if isinstance(e, qe.PlaceReserved)}
    assert reserved == {j.id for j, s in zip(cases, stages, strict=True) if s is Stage.AWARDED}
    reader.close()


def test_sixteen_awards_at_once_for_five_places_award_exactly_five(
    five_places: tuple[Settings, list[Journey]],
) -> None:
    """Sixteen commission members, each with a connection of their own."""
    settings, cases = five_places
    results = award_all_at_once(settings, cases, shared=False)
    check_exactly_the_places_were_awarded(settings, cases, results)


def test_sixteen_awards_through_one_process_award_exactly_five(
    five_places: tuple[Settings, list[Journey]],
) -> None:
    """Through one service, as the API's request threads send them: saves committed in
    groups, a ledger version taken by another save of the same group refused alone."""
    settings, cases = five_places
    results = award_all_at_once(settings, cases, shared=True)
    check_exactly_the_places_were_awarded(settings, cases, results)


def test_awards_through_one_process_take_turns_at_the_ledger_and_never_conflict(
    five_places: tuple[Settings, list[Journey]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Awards of one campaign sent at once to one process are decided one after another,
    each on the ledger the one before saved: none is refused by a conflict and decided
    again (only writers in other processes meet on the ledger's version)."""
    settings, cases = five_places
    conflicts: list[WriteConflictError] = []
    save_case = CaseService.save_case

    def counted(self: CaseService, case: Any, ledger: Any = None) -> Any:
        try:
            return save_case(self, case, ledger)
        except WriteConflictError as e:
            conflicts.append(e)
            raise

    monkeypatch.setattr(CaseService, "save_case", counted)
    results = award_all_at_once(settings, cases, shared=True)
    check_exactly_the_places_were_awarded(settings, cases, results)
    assert conflicts == []


def test_a_stale_copy_of_the_ledger_is_brought_up_to_date_with_the_later_awards_only(
    five_places: tuple[Settings, list[Journey]],
) -> None:
    """Another process's awards make this process's copy of the ledger stale: its next
    award conflicts and is decided again on its copy brought up to date with the ledger's
    events stored after it, not on every event of the campaign read again."""
    settings, cases = five_places
    this, other = (build_service(settings, clock=FixedClock(FAR_FUTURE)) for _ in range(2))
    award(cases, this, 0)  # opens the ledger (version 1) and reserves (version 2): its copy
    award(cases, other, 1)
    award(cases, other, 2)
    read_after: list[int | None] = []
    events_get = this.events.get

    def spied(originator_id: object, **kwargs: object) -> object:
        if originator_id == quota_ledger_id(2023):
            read_after.append(kwargs.get("gt"))  # type: ignore[arg-type]
        return events_get(originator_id, **kwargs)  # type: ignore[arg-type]

    setattr(this.events, "get", spied)  # noqa: B010
    award(cases, this, 3)
    assert read_after == [2]
    ledger = this.stored_ledger(2023)
    assert ledger is not None
    assert (ledger.version, ledger.used) == (5, 4)
    this.close()
    other.close()
