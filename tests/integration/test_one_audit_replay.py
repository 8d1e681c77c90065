"""One audit replay (infra/audit/replay.py): GraphQL's ``caseHistory``, ``bolashak audit
history`` and the export show the same events and the same state of a case at every as-of
point (a version, a business date, a recording time), an erased case included."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

import pytest

from domain.case.meta import Role
from domain.case.stage import CaseStatus, Stage
from domain.clock import FixedClock
from infra.container import build_service
from infra.database import init_schema
from infra.settings import Settings
from tests.conftest import FAR_FUTURE
from tests.support.api import Api, api_for
from tests.support.cli import bolashak_here
from tests.support.journey import PATH, Journey

HISTORY = """query($id: ID!, $v: Int, $on: Date, $at: DateTime) {
  caseHistory(applicationId: $id, asOfVersion: $v, asOfDate: $on, asOfTime: $at) {
    asOfVersion
    events { version type occurredOn recordedAt command chainHash }
    state { stage status applicant { fullName } }
  } }"""
ERASED_ON = dict(PATH)[Stage.CONTRACTED]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    folder = tmp_path_factory.mktemp("one-replay")
    settings = Settings.from_env({"BOLASHAK_DATABASE_URL": f"sqlite:///{folder}/cases.db"})
    init_schema(settings)
    return settings


@pytest.fixture(scope="module")
def cases(store: Settings) -> dict[str, UUID]:
    """A case taken to CONTRACTED, and one awarded whose personal data was then erased."""
    service = build_service(store, clock=FixedClock(FAR_FUTURE))
    contracted = Journey(service)
    contracted.to(Stage.CONTRACTED)
    erased = Journey(service)
    erased.to(Stage.AWARDED)
    erased.erase(ERASED_ON)
    service.close()
    return {"contracted": contracted.id, "erased": erased.id}


@pytest.fixture(scope="module")
def api(store: Settings) -> Iterator[Api]:
    with api_for(store) as client:
        yield client


def cli_history(store: Settings, case_id: UUID, *as_of: str) -> dict[str, Any]:
    args = ["audit", "history", str(case_id), "--personal"]
    done = bolashak_here([*args, *(("--as-of", *as_of) if as_of else ())], env(store))
    assert done.exit_code == 0, done.output
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def env(store: Settings) -> dict[str, str]:
    return {"BOLASHAK_DATABASE_URL": store.database.url}


def graphql_history(api: Api, case_id: UUID, **as_of: Any) -> dict[str, Any]:
    variables = {"id": str(case_id), **as_of}
    found: dict[str, Any] = api.data(HISTORY, variables, role=Role.AUDITOR)["caseHistory"]
    return found


def events_of_graphql(history: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (e["version"], e["type"], e["occurredOn"], _moment(e["recordedAt"]), e["chainHash"])
        for e in history["events"]
    ]


def events_of_records(records: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (e["version"], e["type"], e["occurred_on"], _moment(e["recorded_at"]), e["chain_hash"])
        for e in records
    ]


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def state_of_graphql(history: dict[str, Any]) -> tuple[str, str, str | None]:
    state = history["state"]
    applicant = state["applicant"]
    return (
        Stage[state["stage"]].value,
        CaseStatus[state["status"]].value,
        applicant["fullName"] if applicant else None,
    )


def state_of_record(state: dict[str, Any]) -> tuple[str, str, str | None]:
    applicant = state["applicant"]
    return (state["stage"], state["status"], applicant["full_name"] if applicant else None)


def as_of_points(records: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], str]]:
    """Every event's version, business date and recording time: GraphQL's arguments and
    the CLI's ``--as-of``."""
    for e in records:
        yield {"v": e["version"]}, str(e["version"])
        yield {"on": e["occurred_on"]}, e["occurred_on"]
        yield {"at": e["recorded_at"]}, e["recorded_at"]


@pytest.mark.parametrize("which", ["contracted", "erased"])
def test_graphql_and_the_cli_show_the_same_case_at_every_as_of_point(
    api: Api, store: Settings, cases: dict[str, UUID], which: str
) -> None:
    case_id = cases[which]
    whole = cli_history(store, case_id)["events"]
    assert len(whole) > 5
    for arguments, as_of in as_of_points(whole):
        over_graphql = graphql_history(api, case_id, **arguments)
        on_the_cli = cli_history(store, case_id, as_of)
        assert over_graphql["asOfVersion"] == on_the_cli["as_of_version"], as_of
        assert events_of_graphql(over_graphql) == events_of_records(on_the_cli["events"]), as_of
        assert state_of_graphql(over_graphql) == state_of_record(on_the_cli["state"]), as_of


@pytest.mark.parametrize("which", ["contracted", "erased"])
def test_the_export_shows_the_events_and_state_graphql_and_the_cli_show(
    api: Api, store: Settings, cases: dict[str, UUID], which: str
) -> None:
    case_id = cases[which]
    args = ["audit", "export", str(case_id), "--format", "json", "--personal"]
    done = bolashak_here(args, env(store))
    assert done.exit_code == 0, done.output
    exported = json.loads(done.stdout)
    on_the_cli = cli_history(store, case_id)
    over_graphql = graphql_history(api, case_id)
    assert exported["events"] == on_the_cli["events"]
    assert events_of_records(exported["events"]) == events_of_graphql(over_graphql)
    assert exported["state"] == on_the_cli["state"]
    assert state_of_record(exported["state"]) == state_of_graphql(over_graphql)


def test_an_erased_case_shows_no_identity_anywhere_before_or_after_its_erasure(
    api: Api, store: Settings, cases: dict[str, UUID]
) -> None:
    case_id = cases["erased"]
    first = {"v": 1}
    assert state_of_graphql(graphql_history(api, case_id, **first))[2] is None
    assert cli_history(store, case_id, "1")["state"]["applicant"] is None
    submitted = cli_history(store, case_id, "1")["events"][0]["data"]
    assert submitted["applicant"] is None
    contracted = cli_history(store, cases["contracted"], "1")
    assert contracted["state"]["applicant"]["full_name"]
