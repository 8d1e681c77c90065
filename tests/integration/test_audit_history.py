"""Auditors replay a case: as of a version, a recording time or a business date; the
commission's decision as it was made; diffs between versions (GraphQL and CLI)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from contextlib import closing
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from api.schema import EXPERT_SDL_FILE
from domain.case.meta import Role
from domain.case.stage import Stage
from domain.clock import FixedClock
from infra.audit import replay
from infra.case_store import CaseService
from infra.case_view import case_view
from infra.container import build_reader, build_service
from infra.database import init_schema
from infra.settings import Settings
from tests.conftest import FAR_FUTURE
from tests.support.api import Api, api_for
from tests.support.cli import bolashak_ran
from tests.support.journey import PATH, PROTOCOL_DATE, Journey

AWARDED_ON = dict(PATH)[Stage.AWARDED]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    folder = tmp_path_factory.mktemp("history")
    settings = Settings.from_env({"BOLASHAK_DATABASE_URL": f"sqlite:///{folder}/cases.db"})
    init_schema(settings)
    return settings


@pytest.fixture(scope="module")
def live(store: Settings) -> tuple[UUID, dict[int, dict[str, Any]]]:
    """A case taken to CONTRACTED, with its live state recorded after every step."""
    service: CaseService = build_service(store, clock=FixedClock(FAR_FUTURE))
    j = Journey(service)
    states = {}
    stages = [stage for stage, _ in PATH]
    for stage in stages[: stages.index(Stage.CONTRACTED) + 1]:
        j.to(stage)
        case = service.get_case(j.id)
        states[case.version] = case_view(case, with_personal_data=True)
    service.close()
    return j.id, states


@pytest.fixture(scope="module")
def api(store: Settings) -> Iterator[Api]:
    with api_for(store) as client:
        yield client


def events_of(store: Settings, case_id: UUID) -> list[Any]:
    with closing(build_reader(store)) as reader:
        return replay.from_store(reader, case_id).events


def test_replay_equals_the_live_state_at_every_version(
    store: Settings, live: tuple[UUID, dict[int, dict[str, Any]]]
) -> None:
    case_id, states = live
    events = events_of(store, case_id)
    for version, state in states.items():
        replayed = replay.state_view(
            replay.AsOf(version=version).cut(events), with_personal_data=True
        )
        assert replayed == state, version


def test_as_of_a_recording_time_picks_the_last_version_recorded_by_then(
    store: Settings, live: tuple[UUID, dict[int, dict[str, Any]]]
) -> None:
    events = events_of(store, live[0])
    third = events[2].timestamp

    def at(moment: datetime) -> list[int]:
        return [e.originator_version for e in replay.AsOf(recorded_at=moment).cut(events)]

    assert at(third)[-1] == 3
    assert at(third - timedelta(microseconds=1))[-1] == 2
    assert at(events[0].timestamp - timedelta(microseconds=1)) == []


def test_as_of_a_business_date_picks_what_had_happened_by_that_day(
    store: Settings, live: tuple[UUID, dict[int, dict[str, Any]]]
) -> None:
    events = events_of(store, live[0])

    def on(day: date) -> object:
        return replay.AsOf(business_date=day).cut(events)[-1]

    assert type(on(AWARDED_ON)).__name__ == "Awarded"
    assert type(on(AWARDED_ON - timedelta(days=1))).__name__ == "InterviewCompleted"


def test_a_diff_names_each_changed_field_before_and_after(
    store: Settings, live: tuple[UUID, dict[int, dict[str, Any]]]
) -> None:
    events = events_of(store, live[0])
    award = next(e.originator_version for e in events if type(e).__name__ == "Awarded")
    changes = {c.field: (c.before, c.after) for c in replay.diff(events, award - 1, award).changes}
    assert changes["stage"] == ("interviewed", "awarded")
    assert changes["awarded_on"] == ("(none)", PROTOCOL_DATE.isoformat())
    assert changes["version"] == (str(award - 1), str(award))


def test_the_applicant_identity_is_kept_apart_in_a_diff(
    store: Settings, live: tuple[UUID, dict[int, dict[str, Any]]]
) -> None:
    events = events_of(store, live[0])
    found = replay.diff(events, 1, len(events))
    assert not [c for c in found.changes if c.field.startswith("applicant.")]
    assert found.personal_changes == []  # the identity does not change after submission
    first = replay.diff(events, 1, 1)
    assert (first.changes, first.personal_changes) == ([], [])


HISTORY = """query($id: ID!, $on: Date, $v: Int) {
  caseHistory(applicationId: $id, asOfDate: $on, asOfVersion: $v) {
    asOfVersion state { stage }
    events { version type occurredOn actorId actorRole command correlationId causationId
      rulesets facts prevHash chainHash }
    commissionView { decisionVersion decisionType seen { stage } decided { stage }
      today { stage } rulesetsUsed { id } inForceThen { id } inForceToday { id }
      changesSince { fromVersion toVersion changes { field before after } } }
    diff(fromVersion: 1) { fromVersion toVersion changes { field before after } }
  } }"""


def test_case_history_as_of_a_business_date_over_graphql(
    api: Api, live: tuple[UUID, dict[int, dict[str, Any]]]
) -> None:
    data = api.data(HISTORY, {"id": str(live[0]), "on": AWARDED_ON.isoformat()}, role=Role.AUDITOR)
    history = data["caseHistory"]
    assert history["state"]["stage"] == "AWARDED"
    assert history["events"][-1]["type"] == "Awarded"
    assert history["events"][-1]["actorRole"] == "COMMISSION"
    assert history["events"][0]["prevHash"] == "0" * 64
    assert history["events"][1]["prevHash"] == history["events"][0]["chainHash"]


def test_the_commission_view_shows_the_case_then_and_the_rulesets_then_and_now(
    api: Api, live: tuple[UUID, dict[int, dict[str, Any]]]
) -> None:
    view = api.data(HISTORY, {"id": str(live[0])}, role=Role.AUDITOR)["caseHistory"][
        "commissionView"
    ]
    assert view["decisionType"] == "Awarded"
    assert (view["seen"]["stage"], view["decided"]["stage"], view["today"]["stage"]) == (
        "INTERVIEWED",
        "AWARDED",
        "CONTRACTED",
    )
    assert "contract-deadline" in [r["id"] for r in view["rulesetsUsed"]]
    assert "contract-deadline" in [r["id"] for r in view["inForceThen"]]
    assert view["inForceToday"]
    changed = {c["field"]: c["after"] for c in view["changesSince"]["changes"]}
    assert changed["stage"] == "contracted"


def test_no_commission_view_before_the_decision(
    api: Api, live: tuple[UUID, dict[int, dict[str, Any]]]
) -> None:
    history = api.data(HISTORY, {"id": str(live[0]), "v": 4})["caseHistory"]
    assert history["commissionView"] is None
    assert {c["field"] for c in history["diff"]["changes"]} >= {"stage", "version"}


def test_a_diff_of_a_version_the_case_does_not_have_names_the_field_and_rule(
    api: Api, live: tuple[UUID, dict[int, dict[str, Any]]]
) -> None:
    query = (
        "query($id: ID!) { caseHistory(applicationId: $id)"
        " { diff(fromVersion: 99) { fromVersion } } }"
    )
    body = api.post(query, {"id": str(live[0])}).json()
    assert "fromVersion: 99 is not a version of this case" in body["errors"][0]["message"]
    assert "[version_within_case]" in body["errors"][0]["message"]


def test_the_expert_schema_has_no_history_diff_or_commission_view() -> None:
    sdl = EXPERT_SDL_FILE.read_text(encoding="utf-8")
    for name in ("caseHistory", "CaseDiff", "CommissionView", "FieldChange", "EventRecord"):
        assert name not in sdl


def cli(store: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """``bolashak audit ARGS``, run in this process (a process costs about a second)."""
    env = {"BOLASHAK_DATABASE_URL": store.database.url, "COLUMNS": "200"}
    return bolashak_ran(["audit", *args], env)


def test_the_audit_history_command_replays_as_of_a_business_date(
    store: Settings, live: tuple[UUID, dict[int, dict[str, Any]]]
) -> None:
    done = cli(store, "history", str(live[0]), "--as-of", AWARDED_ON.isoformat())
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["state"]["stage"] == "awarded"
    assert "applicant" not in shown["state"]  # personal data only with --personal
    assert shown["events"][-1]["actor_role"] == "commission"


def test_the_audit_diff_command_prints_field_before_and_after(
    store: Settings, live: tuple[UUID, dict[int, dict[str, Any]]]
) -> None:
    events = events_of(store, live[0])
    award = next(e.originator_version for e in events if type(e).__name__ == "Awarded")
    done = cli(store, "diff", str(live[0]), str(award - 1), str(award))
    assert done.returncode == 0, done.stderr
    assert "stage: interviewed -> awarded" in done.stdout


def test_an_as_of_that_is_neither_version_date_nor_time_is_refused(
    store: Settings, live: tuple[UUID, dict[int, dict[str, Any]]]
) -> None:
    done = cli(store, "history", str(live[0]), "--as-of", "last tuesday")
    assert done.returncode == 2  # an input error
    assert "asOf" in done.stderr
    assert done.stdout == ""  # nothing replayed
