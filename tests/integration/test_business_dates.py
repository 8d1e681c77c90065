"""Business dates cannot be backdated (issue 19, section 2), through GraphQL and the
command line, on PostgreSQL and SQLite. A command's business date (``occurredOn``) may
not be after today, nor before the case's last event, nor more than the backdating
window (``BOLASHAK_BACKDATING_WINDOW_DAYS``, here 7 days) before today, unless an admin
records it with a reason, which the event keeps in its metadata. Every refusal names the
field and the rule and stores nothing; every command carrying a business date is held to
it."""

from __future__ import annotations

import json
from contextlib import closing
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from typer.testing import CliRunner

from api.cli.main import app as cli
from domain.case.events import CaseEvent
from domain.case.meta import EventMeta, Role
from domain.case.stage import Stage
from domain.clock import FixedClock
from infra.case_store import CaseEvents
from infra.container import build_reader, build_service
from infra.settings import Settings
from tests.conftest import FAR_FUTURE
from tests.support.api import Api, api_for
from tests.support.authz import PREREQUISITES, ROLES, command_input, document, prepare
from tests.support.journey import PROTOCOL_DATE, Journey
from tests.support.stored import stored

WINDOW = 7
DEADLINE = PROTOCOL_DATE + timedelta(days=90)  # 2023-09-08: the contracts' last day
LONG_AFTER = date(2023, 12, 1)  # today, for the finding: the award expired in September
SIGN = (
    "mutation M($input: SignContractsInput!) { signContracts(input: $input) { __typename"
    " ... on CaseUpdated { version } ... on InvalidInput { fieldErrors { field rule message } } }"
    " }"
)
HISTORY = (
    "query Q($id: ID!) { caseHistory(applicationId: $id)"
    " { events { type occurredOn backdatingReason } } }"
)
REASON = "the signed contracts reached the office late (letter 2023/41)"


@pytest.fixture
def windowed(store_settings: Settings) -> Settings:
    """The store with a 7-day backdating window (the suite's default is wide open)."""
    return store_settings.model_copy(update={"backdating_window_days": WINDOW})


def awarded(settings: Settings) -> UUID:
    """A case awarded on 2023-06-12 (protocol of 2023-06-10), recorded as it happened."""
    history = settings.replaying_history()
    with closing(build_service(history, clock=FixedClock(FAR_FUTURE))) as service:
        return Journey(service).to(Stage.AWARDED)


def sign(api: Api, case_id: UUID, on: date, role: Role = Role.OFFICER, **more: str) -> Any:
    sent = {
        "applicationId": str(case_id),
        "trainingContractNumber": "TC-1",
        "securityContractNumber": "SC-1",
        "idempotencyKey": f"sign-{uuid4().hex}",
        "occurredOn": on.isoformat(),
        **more,
    }
    return api.data(SIGN, {"input": sent}, role=role)["signContracts"]


def last_meta(reader: CaseEvents, case_id: UUID) -> EventMeta:
    last: CaseEvent = list(reader.events.get(case_id))[-1]  # type: ignore[assignment]
    return last.meta


def refusal(answer: Any) -> set[tuple[str, str]]:
    assert answer["__typename"] == "InvalidInput", answer
    return {(e["field"], e["rule"]) for e in answer["fieldErrors"]}


def test_contracts_dated_back_inside_the_90_days_of_an_award_long_expired_are_refused(
    windowed: Settings,
) -> None:
    """The finding: in December, an officer recorded contracts as signed on 1 September,
    inside the 90 days of a June award that had expired on 8 September, and the 90-day
    rule passed."""
    case_id = awarded(windowed)
    with api_for(windowed, clock_day=LONG_AFTER) as api, closing(build_reader(windowed)) as r:
        before = stored(r)
        answer = sign(api, case_id, DEADLINE - timedelta(days=7))
        assert refusal(answer) == {("occurredOn", "business_date_within_backdating_window")}
        assert "7 days before today (2023-12-01)" in answer["fieldErrors"][0]["message"]
        assert stored(r) == before


def test_a_business_date_within_the_window_is_taken_as_it_is(windowed: Settings) -> None:
    case_id = awarded(windowed)
    with api_for(windowed, clock_day=date(2023, 7, 20)) as api:
        assert sign(api, case_id, date(2023, 7, 20) - timedelta(days=WINDOW))["version"]


def test_an_admin_may_record_an_older_date_giving_a_reason_the_event_keeps(
    windowed: Settings,
) -> None:
    case_id = awarded(windowed)
    with api_for(windowed, clock_day=date(2023, 9, 1)) as api:
        done = sign(api, case_id, date(2023, 7, 15), Role.ADMIN, backdatingReason=REASON)
        assert done["__typename"] == "CaseUpdated"
        events = api.data(HISTORY, {"id": str(case_id)}, role=Role.AUDITOR)["caseHistory"]
    last = events["events"][-1]
    assert last == {
        "type": "ContractsSigned",
        "occurredOn": "2023-07-15",
        "backdatingReason": REASON,
    }
    assert {e["backdatingReason"] for e in events["events"][:-1]} == {""}
    with closing(build_reader(windowed)) as reader:
        assert last_meta(reader, case_id).backdating_reason == REASON


@pytest.mark.parametrize(
    ("role", "reason"),
    [(Role.ADMIN, ""), (Role.ADMIN, "   "), (Role.OFFICER, REASON)],
    ids=["admin-without-reason", "admin-blank-reason", "officer-with-reason"],
)
def test_an_older_date_without_an_admins_reason_is_refused(
    windowed: Settings, role: Role, reason: str
) -> None:
    case_id = awarded(windowed)
    with api_for(windowed, clock_day=date(2023, 9, 1)) as api, closing(build_reader(windowed)) as r:
        before = stored(r)
        answer = sign(api, case_id, date(2023, 7, 15), role, backdatingReason=reason)
        assert refusal(answer) == {("occurredOn", "business_date_within_backdating_window")}
        assert stored(r) == before


def test_a_business_date_after_today_is_refused(windowed: Settings) -> None:
    case_id = awarded(windowed)
    today = date(2023, 7, 20)
    with api_for(windowed, clock_day=today) as api, closing(build_reader(windowed)) as r:
        before = stored(r)
        answer = sign(api, case_id, today + timedelta(days=1))
        assert refusal(answer) == {("occurredOn", "business_date_not_in_future")}
        assert stored(r) == before


def test_even_an_admin_may_not_date_a_command_before_the_cases_last_event(
    windowed: Settings,
) -> None:
    case_id = awarded(windowed)  # last event: the award, recorded on 2023-06-12
    with api_for(windowed, clock_day=date(2023, 7, 1)) as api:
        answer = sign(api, case_id, date(2023, 6, 11), Role.ADMIN, backdatingReason=REASON)
    assert refusal(answer) == {("occurredOn", "business_date_not_before_previous_event")}


@pytest.mark.parametrize("mutation", sorted(PREREQUISITES))
def test_every_command_carrying_a_business_date_is_held_to_the_window(
    windowed: Settings, mutation: str
) -> None:
    """Each mutation, sent where it would be carried out, with a business date 30 days
    before today: refused naming the field and the rule, nothing stored; the same input
    sent the day after its date is carried out (the control)."""
    needs = PREREQUISITES[mutation]
    history = windowed.replaying_history()
    with closing(build_service(history, clock=FixedClock(FAR_FUTURE))) as service:
        case_id = prepare(service, needs)
    role = ROLES.get(mutation, Role.OFFICER)
    late = command_input(needs, case_id, f"late-{uuid4().hex}")
    later = needs.on + timedelta(days=30)
    with api_for(windowed, clock_day=later) as api, closing(build_reader(windowed)) as reader:
        before = stored(reader)
        answer = api.post(document(mutation), {"input": late}, role=role).json()
        assert stored(reader) == before
    assert refusal(answer["data"][mutation]) == {
        ("occurredOn", "business_date_within_backdating_window")
    }
    timely = command_input(needs, case_id, f"timely-{uuid4().hex}")
    with api_for(windowed, clock_day=needs.on + timedelta(days=1)) as api:
        done = api.post(document(mutation), {"input": timely}, role=role).json()
    assert done["data"][mutation]["__typename"] in ("CaseUpdated", "SheetRecorded"), done


def test_the_command_line_holds_its_commands_to_the_window(
    windowed: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = awarded(windowed)
    monkeypatch.setenv("BOLASHAK_DATABASE_URL", windowed.database.url)
    monkeypatch.setenv("BOLASHAK_BACKDATING_WINDOW_DAYS", str(WINDOW))
    monkeypatch.setenv("BOLASHAK_TODAY", LONG_AFTER.isoformat())
    data = json.dumps(
        {
            "applicationId": str(case_id),
            "trainingContractNumber": "T",
            "securityContractNumber": "S",
        }
    )
    args = ["case", "run", "sign_contracts", "--data", data, "--on", "2023-09-01"]
    refused = CliRunner().invoke(cli, [*args], env={"COLUMNS": "10000"})
    assert refused.exit_code == 2, refused.output  # an input error
    assert "occurredOn" in refused.output
    assert "business_date_within_backdating_window" in refused.output
    admin = ["--role", "admin", "--backdating-reason", REASON]
    done = CliRunner().invoke(cli, [*args, *admin])
    assert done.exit_code == 0, done.output
    with closing(build_reader(windowed)) as reader:
        meta = last_meta(reader, case_id)
    assert (meta.occurred_on, meta.backdating_reason) == (date(2023, 9, 1), REASON)
