"""Least information to the least privileged (issue 19, section 4), through GraphQL on
PostgreSQL and SQLite.

An NEC expert sends ``evaluateInterview`` for case ids guessed from public data (a case
id is derived from the submission's idempotency key, e.g. eGov's request number): for
every case that is not in the expert's interview queue, whatever is wrong with the sheet,
the answer is byte for byte the answer for an id of no case at all (it used to name the
case's stage and the rule). So guessing an id gains nothing: the other roles that may
call the API read every case anyway.

Tokens live at most ``BOLASHAK_TOKEN_MAX_HOURS`` (12 h by default) from their issue: a
token signed for longer is refused, and ``bolashak token --hours`` cannot mint one.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from contextlib import closing
from typing import Any
from uuid import UUID, uuid4

import pytest
from typer.testing import CliRunner

from api.cli.main import app as cli
from domain.case.meta import Role
from domain.case.stage import Stage
from domain.clock import FixedClock
from domain.service import application_id_for
from infra.case_store import CaseService
from infra.container import build_service
from infra.settings import Settings
from tests.conftest import FAR_FUTURE
from tests.support import builders as b
from tests.support.api import SECRET, Api, api_for
from tests.support.authz import OMIT, forged_token
from tests.support.journey import SCORES, SLOT_DAY, Journey

SHEET = """mutation M($input: EvaluateInterviewInput!) { evaluateInterview(input: $input) {
  __typename
  ... on SheetRecorded { applicationId applicantCode version replayed }
  ... on InvalidInput { message fieldErrors { field rule message } }
  ... on ProcessRefused { message command stage rule }
  ... on NotFound { message applicationId }
  ... on NotAllowed { message command role }
  ... on Conflict { message kind } } }"""
# Cases outside the queue, by the stage they are in (an id of no case is tried too).
OUTSIDE = (Stage.SUBMITTED, Stage.TESTED, Stage.INTERVIEWED, Stage.AWARDED)


@dataclasses.dataclass
class Guessed:
    """A case made with a public-looking idempotency key, and that key."""

    key: str
    case_id: UUID


def made(service: CaseService, stage: Stage) -> Guessed:
    key = f"egov-{uuid4().int % 10**9}"
    journey = Journey(service)
    journey.send(journey.submission, b.SUBMITTED_ON, Role.APPLICANT, "egov", key)
    if stage is not Stage.SUBMITTED:
        journey.to(stage)
    assert journey.id == application_id_for(key)  # the id follows from the key
    return Guessed(key, journey.id)


@pytest.fixture
def api(store_settings: Settings) -> Iterator[Api]:
    with api_for(store_settings, clock_day=FAR_FUTURE) as client:
        yield client


def sheet(case_id: UUID, **changes: Any) -> dict[str, Any]:
    return {
        "applicationId": str(case_id),
        "scores": SCORES,
        "recommend": True,
        "comment": "clear motivation",
        "idempotencyKey": f"sheet-{uuid4().hex}",
        "occurredOn": SLOT_DAY.isoformat(),
        **changes,
    }


def variants(guessed: Guessed) -> dict[str, dict[str, Any]]:
    """A sound sheet, and sheets wrong in each way an expert can make them."""
    case_id = guessed.case_id
    return {
        "sound": sheet(case_id),
        "score out of scale": sheet(case_id, scores={**SCORES, "situational_tasks": 7}),
        "score missing": sheet(case_id, scores={"situational_tasks": 5}),
        "scores not a map": sheet(case_id, scores=[1, 2, 3]),
        "the case's own submission key": sheet(case_id, idempotencyKey=guessed.key),
        "a date in the future": sheet(case_id, occurredOn="2031-01-02"),
        "a date before the case's last event": sheet(case_id, occurredOn="2023-04-19"),
        "a comment too long": sheet(case_id, comment="c" * 2001),
    }


def answer_for(api: Api, sent: dict[str, Any]) -> str:
    """The whole answer, with the case id asked about written as ``<id>``."""
    response = api.post(SHEET, {"input": sent}, role=Role.EXPERT, user="nec-07")
    assert response.status_code == 200, response.text
    text: str = response.text
    return text.replace(sent["applicationId"], "<id>")


def test_for_a_case_outside_the_queue_every_error_is_the_not_found_of_no_case(
    store_settings: Settings, api: Api
) -> None:
    with closing(build_service(store_settings, clock=FixedClock(FAR_FUTURE))) as service:
        outside = {stage.value: made(service, stage) for stage in OUTSIDE}
        queued = made(service, Stage.INTERVIEW_BOOKED)
    guessable = f"egov-{uuid4().int % 10**9}"  # a key no submission used
    nowhere = {
        "random id": Guessed("egov-never-sent", uuid4()),
        "id of an unused key": Guessed(guessable, application_id_for(guessable)),
    }
    expected = answer_for(api, sheet(nowhere["random id"].case_id))
    assert json.loads(expected)["data"]["evaluateInterview"] == {
        "__typename": "NotFound",
        "message": "application <id> not found",
        "applicationId": "<id>",
    }
    differing = {
        (where, label): found
        for where, guessed in {**outside, **nowhere}.items()
        for label, sent in variants(guessed).items()
        if (found := answer_for(api, sent)) != expected
    }
    assert differing == {}
    # the control: in the queue, the expert's sheet is taken and mistakes are named
    sound = json.loads(answer_for(api, sheet(queued.case_id)))["data"]["evaluateInterview"]
    assert sound["__typename"] == "SheetRecorded"
    wrong = variants(queued)["score out of scale"]
    named = json.loads(answer_for(api, wrong))["data"]["evaluateInterview"]
    assert named["__typename"] == "InvalidInput"
    again = json.loads(answer_for(api, sheet(queued.case_id)))["data"]["evaluateInterview"]
    assert (again["__typename"], again["rule"]) == ("ProcessRefused", "one_sheet_per_member")


# -- tokens --------------------------------------------------------------------------------

QUERY = "{ rulesets { id } }"


@pytest.mark.parametrize(
    ("lifetime_hours", "status"),
    [(12, 200), (11.9, 200), (12.01, 401), (24, 401), (24 * 365, 401)],
)
def test_a_token_signed_to_live_longer_than_the_maximum_is_refused(
    api: Api, lifetime_hours: float, status: int
) -> None:
    now = int(time.time())
    token = forged_token(iat=now, exp=now + int(lifetime_hours * 3600))
    response = api.client.post(
        "/graphql", json={"query": QUERY}, headers={"authorization": f"Bearer {token}"}
    )
    assert response.status_code == status, response.text
    if status == 401:
        assert "longer than the maximum of 12 h" in response.text


def test_a_token_without_its_issue_time_or_issued_in_the_future_is_refused(api: Api) -> None:
    now = int(time.time())
    for claims, why in (
        ({"iat": OMIT}, "'iat'"),
        ({"iat": now + 3600, "exp": now + 7200}, "ImmatureSignatureError"),
    ):
        token = forged_token(**claims)
        response = api.client.post(
            "/graphql", json={"query": QUERY}, headers={"authorization": f"Bearer {token}"}
        )
        assert response.status_code == 401, response.text
        assert why in response.text


def test_a_shorter_maximum_is_a_setting(store_settings: Settings) -> None:
    two_hours = store_settings.model_copy(update={"token_max_hours": 2})
    now = int(time.time())
    with api_for(two_hours, clock_day=FAR_FUTURE) as api:
        for hours, status in ((2, 200), (3, 401)):
            token = forged_token(iat=now, exp=now + hours * 3600)
            headers = {"authorization": f"Bearer {token}"}
            response = api.client.post("/graphql", json={"query": QUERY}, headers=headers)
            assert response.status_code == status, response.text


@pytest.mark.parametrize(
    ("environment", "hours", "exit_code"),
    [({}, "12", 0), ({}, "13", 2), ({}, "0", 2), ({"BOLASHAK_TOKEN_MAX_HOURS": "2"}, "3", 2)],
)
def test_the_command_line_mints_no_token_beyond_the_maximum(
    store_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    environment: dict[str, str],
    hours: str,
    exit_code: int,
) -> None:
    monkeypatch.setenv("BOLASHAK_DATABASE_URL", store_settings.database.url)
    monkeypatch.setenv("BOLASHAK_JWT_SECRET", SECRET)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    args = ["token", "--role", "auditor", "--user", "auditor-1", "--hours", hours]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == exit_code, result.output
    if exit_code:
        assert "BOLASHAK_TOKEN_MAX_HOURS" in result.output
