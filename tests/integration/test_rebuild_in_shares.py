"""A rebuild on PostgreSQL in several processes, each replaying its share of the cases
(issue 3): the read models equal the plain fold, whatever arrives during the rebuild and
whichever share an event that fails falls in."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from domain.case.stage import Stage
from domain.clock import FixedClock
from domain.quota.ledger import quota_ledger_id
from infra.case_store import CaseService
from infra.container import build_projection_engine, build_service, projection_engine_factory
from infra.settings import Settings
from projections import tracking
from projections.engine import ProjectionEngine
from projections.rebuild import rebuild, rebuild_many
from projections.sql import Partition
from tests.conftest import FAR_FUTURE
from tests.integration.test_cli import bolashak
from tests.integration.test_projection_engine import Flaky
from tests.support.journey import Journey
from tests.support.read_models import database_snapshot, fold_snapshot

STAGES = (
    Stage.SUBMITTED,
    Stage.ELIGIBLE,
    Stage.TESTED,
    Stage.INTERVIEWED,
    Stage.AWARDED,
    Stage.CONTRACTED,
    Stage.STUDYING,
    Stage.WORKING_OFF,
)


@pytest.fixture
def service(fresh_postgres: Settings) -> Iterator[CaseService]:
    service = build_service(fresh_postgres, clock=FixedClock(FAR_FUTURE))
    yield service
    service.close()


def cases_in_both_shares(service: CaseService, count: int = 18) -> list[Journey]:
    journeys = [Journey(service) for _ in range(count)]
    for number, journey in enumerate(journeys):
        journey.to(STAGES[number % len(STAGES)])
    shares = {journey.id.bytes[15] % 2 for journey in journeys}
    assert shares == {0, 1}, "every case fell in one share: the test would prove nothing"
    return journeys


def all_projections(settings: Settings) -> ProjectionEngine:
    return build_projection_engine(settings)


def test_a_rebuild_in_two_processes_equals_the_plain_fold_of_every_read_model(
    fresh_postgres: Settings, service: CaseService
) -> None:
    cases_in_both_shares(service)
    engine = all_projections(fresh_postgres)
    names = [p.name for p in engine.projections]
    factory = projection_engine_factory(fresh_postgres, names)
    report = rebuild_many(engine, names, page_size=7, processes=2, factory=factory)
    assert report.events == engine.head()
    assert report.position == engine.head()
    assert report.parked == 0
    assert database_snapshot(engine) == fold_snapshot(engine)  # dashboard counts added up
    in_shares = database_snapshot(engine)
    rebuild_many(engine, names, page_size=7)
    assert database_snapshot(engine) == in_shares  # the same as one process


def test_events_stored_while_the_shares_replay_are_folded_on_top_of_their_rows(
    fresh_postgres: Settings, service: CaseService
) -> None:
    journeys = cases_in_both_shares(service)
    engine = all_projections(fresh_postgres)
    names = [p.name for p in engine.projections]
    factory = projection_engine_factory(fresh_postgres, names)
    started = engine.head()
    arrived: list[int] = []

    def meanwhile(_position: int, _head: int) -> None:
        """During the first share's replay: later events of cases of both shares."""
        if not arrived:
            for journey in journeys:
                if service.get_case(journey.id).stage == Stage.SUBMITTED:
                    journey.to(Stage.ELIGIBLE)
            Journey(service).to(Stage.TESTED)
            arrived.append(engine.head())

    report = rebuild_many(engine, names, meanwhile, page_size=5, processes=2, factory=factory)
    assert arrived
    assert arrived[0] > started
    assert report.position == engine.head()
    assert database_snapshot(engine) == fold_snapshot(engine)
    engine.run_until_head()  # the live worker carries on from the swap: nothing twice
    assert database_snapshot(engine) == fold_snapshot(engine)


def flaky_case_list(settings: Settings) -> ProjectionEngine:
    """An engine with the case list that cannot handle testing results (in any process)."""
    engine = build_projection_engine(settings, ["case_list"])
    engine.projections = [Flaky()]
    return engine


def test_an_event_that_fails_in_another_processs_share_is_parked_and_retried_after_a_fix(
    fresh_postgres: Settings, service: CaseService
) -> None:
    journeys = cases_in_both_shares(service)
    early = (Stage.SUBMITTED, Stage.ELIGIBLE)
    tested = [j for j in journeys if service.get_case(j.id).stage not in early]
    assert {j.id.bytes[15] % 2 for j in tested} == {0, 1}
    engine = flaky_case_list(fresh_postgres)
    factory = functools.partial(flaky_case_list, fresh_postgres)
    report = rebuild(engine, "case_list", page_size=6, processes=2, factory=factory)
    with engine.db.transaction() as cur:
        parked = {letter.application_id for letter in tracking.dead_letters(cur, "case_list")}
    assert parked == {str(j.id) for j in tested}  # from both shares, under the live name
    assert report.parked > 0
    flaky: Any = engine.projections[0]
    flaky.fixed = True
    done, remaining = engine.retry("case_list")
    assert (done, remaining) == (report.parked, 0)
    assert database_snapshot(engine) == fold_snapshot(engine)


def test_a_share_reads_only_its_cases_and_nothing_after_its_end(
    fresh_postgres: Settings, service: CaseService
) -> None:
    journeys = cases_in_both_shares(service)
    engine = all_projections(fresh_postgres)
    upto = engine.head() - 3
    seen: dict[int, list[Any]] = {}
    for index in (0, 1):
        seen[index] = engine.db.read_log(0, 10_000, Partition(index, 2, upto))
        assert all(n.originator_id.bytes[15] % 2 == index for n in seen[index])
    together = sorted(n.id for share in seen.values() for n in share)
    assert together == [n.id for n in engine.db.read_log(0, upto)]
    ledger = quota_ledger_id(2023)  # the campaign's quota ledger, its events in a share too
    cases = {j.id for j in journeys} | {ledger}
    assert {n.originator_id for share in seen.values() for n in share} <= cases


def test_a_rebuild_in_several_processes_is_refused_without_a_factory(
    fresh_postgres: Settings,
) -> None:
    engine = all_projections(fresh_postgres)
    with pytest.raises(ValueError, match="factory"):
        rebuild(engine, "case_list", processes=2)


def test_the_rebuild_command_replays_in_the_processes_asked_for(
    fresh_postgres: Settings, service: CaseService
) -> None:
    cases_in_both_shares(service)
    url = fresh_postgres.database.url
    engine = all_projections(fresh_postgres)
    rebuilt = bolashak("projections", "rebuild", "--processes", "2", db=url).stdout
    assert "2 processes" in rebuilt
    assert f"{engine.head():,} events" in rebuilt
    assert database_snapshot(engine) == fold_snapshot(engine)
    assert "1 process)" in bolashak("projections", "rebuild", "dashboard", db=url).stdout


def test_the_rebuild_command_refuses_several_processes_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/embedded.db"
    bolashak("db", "init", db=url)
    refused = bolashak("projections", "rebuild", "--processes", "2", db=url, check=False)
    assert refused.returncode == 2
    assert "--processes" in refused.stderr
    assert "PostgreSQL" in refused.stderr
