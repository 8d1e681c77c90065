"""``quotas(year)``, ``quotaHistory(year)`` and the dashboard's places, through the public
GraphQL API on SQLite and PostgreSQL: a campaign of 2 places (synthetic, by the setting
BOLASHAK_AWARDS_TARGET_2023; the 2023 campaign's own are 555, seed 001 line 36), two awards,
a third refused naming award_within_places, one beyond the places with the commission's
reason, a declined award returning its place."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from domain.case.meta import Role
from domain.case.stage import Stage
from domain.clock import FixedClock
from domain.errors import ApplicationNotFoundError
from infra.audit import replay
from infra.audit.replay import LedgerCopies
from infra.container import build_service, query_connection
from infra.database import init_schema
from infra.settings import Settings
from tests.conftest import FAR_FUTURE
from tests.integration.conftest import store_of_its_own
from tests.support.api import Api, api_for
from tests.support.cli import bolashak_here
from tests.support.journey import Journey
from tests.support.read_models import catch_up

REASON = "the commission's protocol RK-2023/9 awards beyond the places (synthetic)"
AWARD = """mutation A($input: AwardInput!) { award(input: $input) { __typename
  ... on ProcessRefused { rule message } } }"""
BEYOND = """mutation B($input: AwardBeyondPlacesInput!) { awardBeyondPlaces(input: $input) {
  __typename } }"""
WITHDRAW = """mutation W($input: WithdrawInput!) { withdraw(input: $input) { __typename } }"""
QUOTAS = """query Q($year: Int!) { quotas(year: $year) { campaignYear opened placesSource
  rulesets total { places used available reserved returned overridden }
  categories { category counts { places used reserved } }
  overrides { applicationId rule places used actorRole reason occurredOn } } }"""
HISTORY = """query H($year: Int!, $v: Int) { quotaHistory(year: $year, asOfVersion: $v) {
  campaignYear asOfVersion events { version type command reason actorRole rulesets facts
  prevHash chainHash } quotas { total { used available overridden } } } }"""
DASHBOARD = """{ dashboard(year: 2023) { awardsTarget
  places { places used available reserved returned overridden } } }"""


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def campaign(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Api, list[Journey]]]:
    """Four interviewed cases in a 2023 campaign of 2 places, and the API on the store."""
    with store_of_its_own(request.param, "quotas", tmp_path_factory) as found:
        settings = found.model_copy(update={"awards_targets": ((2023, 2),)})
        service = build_service(settings, clock=FixedClock(FAR_FUTURE))
        cases = []
        for _ in range(4):
            journey = Journey(service)
            journey.to(Stage.INTERVIEWED)
            cases.append(journey)
        service.close()
        with api_for(settings) as api:
            yield api, cases


def run(api: Api, document: str, fields: dict[str, Any], role: Role, key: str) -> Any:
    payload = {**fields, "idempotencyKey": key, "occurredOn": "2023-06-12"}
    name = document.split("{", 2)[1].split("(")[0].strip()
    return api.data(document, {"input": payload}, role=role)[name]


def protocol(journey: Journey, number: str) -> dict[str, Any]:
    return {
        "applicationId": str(journey.id),
        "protocolNumber": number,
        "protocolDate": "2023-06-10",
    }


@pytest.fixture(scope="module")
def decided(campaign: tuple[Api, list[Journey]]) -> tuple[Api, list[Any]]:
    api, (first, second, third, fourth) = campaign
    answers = [
        run(api, AWARD, protocol(first, "RK-2023/1"), Role.COMMISSION, "q-award-1"),
        run(api, AWARD, protocol(second, "RK-2023/2"), Role.COMMISSION, "q-award-2"),
        run(api, AWARD, protocol(third, "RK-2023/3"), Role.COMMISSION, "q-award-3"),
        run(
            api,
            BEYOND,
            {**protocol(fourth, "RK-2023/9"), "reason": REASON},
            Role.COMMISSION,
            "q-beyond-4",
        ),
        run(api, WITHDRAW, {"applicationId": str(second.id)}, Role.OFFICER, "q-declined-2"),
    ]
    return api, answers


def test_an_award_beyond_the_places_is_refused_naming_the_rule_and_the_count(
    decided: tuple[Api, list[Any]],
) -> None:
    _, answers = decided
    assert [a["__typename"] for a in answers] == [
        "CaseUpdated",
        "CaseUpdated",
        "ProcessRefused",
        "CaseUpdated",
        "CaseUpdated",
    ]
    assert answers[2]["rule"] == "award_within_places"
    assert "2 of the 2 places" in answers[2]["message"]
    assert "0 available" in answers[2]["message"]


def test_quotas_show_places_used_reserved_returned_per_category_and_overrides(
    decided: tuple[Api, list[Any]],
) -> None:
    api, _ = decided
    quotas = api.data(QUOTAS, {"year": 2023}, role=Role.AUDITOR)["quotas"]
    assert quotas["opened"] is True
    assert quotas["placesSource"] == "setting BOLASHAK_AWARDS_TARGET_2023"
    assert quotas["rulesets"] == ["campaign-places-2023"]
    assert quotas["total"] == {
        "places": 2,
        "used": 2,  # three reserved (one beyond the places), one returned
        "available": 0,
        "reserved": 3,
        "returned": 1,
        "overridden": 1,
    }
    rural = {c["category"]: c["counts"] for c in quotas["categories"]}["rural"]
    assert rural == {"places": 100, "used": 2, "reserved": 3}  # the CIP policy share
    (override,) = quotas["overrides"]
    assert (override["rule"], override["places"], override["used"]) == (
        "award_within_places",
        2,
        2,
    )
    assert (override["actorRole"], override["reason"]) == ("COMMISSION", REASON)
    assert override["occurredOn"] == "2023-06-12"


def test_quotas_of_a_year_without_places_on_record_are_null(
    decided: tuple[Api, list[Any]],
) -> None:
    api, _ = decided
    assert api.data(QUOTAS, {"year": 2024}, role=Role.OFFICER)["quotas"] is None


def test_the_quota_history_is_replayed_like_a_cases(decided: tuple[Api, list[Any]]) -> None:
    api, _ = decided
    history = api.data(HISTORY, {"year": 2023}, role=Role.AUDITOR)["quotaHistory"]
    events = history["events"]
    assert [e["type"] for e in events] == [
        "LedgerOpened",
        "PlaceReserved",
        "PlaceReserved",
        "QuotaOverridden",
        "PlaceReserved",
        "PlaceReturned",
    ]
    assert [e["command"] for e in events] == [
        "award",
        "award",
        "award",
        "award_beyond_places",
        "award_beyond_places",
        "withdraw",
    ]
    assert events[3]["reason"] == REASON
    assert events[0]["rulesets"] == ["campaign-places-2023"]
    assert events[0]["facts"]["places"] == "2"
    for before, after in itertools.pairwise(events):
        assert after["prevHash"] == before["chainHash"]
    as_of = api.data(HISTORY, {"year": 2023, "v": 3}, role=Role.AUDITOR)["quotaHistory"]
    assert as_of["asOfVersion"] == 3
    assert as_of["quotas"]["total"] == {"used": 2, "available": 0, "overridden": 0}


def test_the_dashboard_shows_places_used_and_available(decided: tuple[Api, list[Any]]) -> None:
    api, _ = decided
    catch_up(api.settings)
    board = api.data(DASHBOARD, role=Role.OFFICER)["dashboard"]
    assert board["places"] == {
        "places": 2,
        "used": 2,
        "available": 0,
        "reserved": 3,
        "returned": 1,
        "overridden": 1,
    }


def test_the_dashboard_before_any_award_shows_the_target(tmp_path: Path) -> None:
    settings = Settings.from_env({"BOLASHAK_DATABASE_URL": f"sqlite:///{tmp_path}/cases.db"})
    init_schema(settings)
    with api_for(settings) as api:
        board = api.data(DASHBOARD, role=Role.OFFICER)["dashboard"]
    assert board["places"]["places"] == board["awardsTarget"] == 555  # seed 001 line 36
    assert board["places"]["used"] == 0


def test_quotas_before_the_first_award(tmp_path: Path) -> None:
    settings = Settings.from_env({"BOLASHAK_DATABASE_URL": f"sqlite:///{tmp_path}/cases.db"})
    init_schema(settings)
    with api_for(settings) as api:
        quotas = api.data(QUOTAS, {"year": 2023}, role=Role.OFFICER)["quotas"]
        assert api.data(HISTORY, {"year": 2023}, role=Role.OFFICER)["quotaHistory"] is None
    assert quotas["opened"] is False
    assert quotas["total"]["places"] == 555  # seed 001 line 36
    assert quotas["total"]["used"] == 0


def test_bolashak_audit_history_replays_the_quota_ledger(decided: tuple[Api, list[Any]]) -> None:
    api, _ = decided
    env = {"BOLASHAK_DATABASE_URL": api.settings.database.url}
    whole = bolashak_here(["audit", "history", "--quota", "2023"], env)
    assert whole.exit_code == 0, whole.output
    found = json.loads(whole.stdout)
    assert [e["type"] for e in found["events"]][-1] == "PlaceReturned"
    assert found["quotas"]["total"]["used"] == 2
    assert found["quotas"]["overrides"][0]["reason"] == REASON
    earlier = bolashak_here(["audit", "history", "--quota", "2023", "--as-of", "2"], env)
    assert json.loads(earlier.stdout)["quotas"]["total"]["used"] == 1


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_quotas_asked_between_awards_count_each_award_once_reading_only_the_later_events(
    backend: str, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The API keeps each ledger's events as it last read them (``LedgerCopies``): a later
    ``quotas`` reads only the events stored since, and counts the same as a replay."""
    with store_of_its_own(backend, "ledger_copies", tmp_path_factory) as found:
        settings = found.model_copy(update={"awards_targets": ((2023, 3),)})
        service = build_service(settings, clock=FixedClock(FAR_FUTURE))
        db = query_connection(settings, service.events_table())
        copies = LedgerCopies()
        read_after: list[int] = []
        rows = replay.stored_rows

        def spied(db: Any, aggregate_id: Any, after: int = 0) -> Any:
            read_after.append(after)
            return rows(db, aggregate_id, after)

        monkeypatch.setattr(replay, "stored_rows", spied)
        try:
            with pytest.raises(ApplicationNotFoundError):
                copies.current(db, service.mapper, 2023)  # no award yet: never opened
            used = []
            for _ in range(3):
                journey = Journey(service)
                journey.to(Stage.AWARDED)
                current = copies.current(db, service.mapper, 2023)
                replayed = replay.quota_replay(service, service.mapper, 2023)
                assert current.summary() == replayed.summary()
                used.append(current.summary().total.used)  # type: ignore[union-attr]
            assert used == [1, 2, 3]
            assert read_after == [0, 0, 2, 3]  # opened with the first award, then one each
        finally:
            db.close()
            service.close()
