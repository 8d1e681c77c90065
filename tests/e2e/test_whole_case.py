"""A real GraphQL client (gql) against a running server: a whole case, its history and read
model, idempotent replays, subscriptions over graphql-transport-ws, and who may subscribe.

Every request carries a bearer token; each step is sent by the role the regulations give
it (officers and admins do case work, three NEC experts each send a sheet through their own
schema, the commission awards), and the case's history must name each of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import httpx
import pytest
from gql import Client, GraphQLRequest
from gql.client import AsyncClientSession
from gql.transport.exceptions import TransportError
from gql.transport.httpx import HTTPXAsyncTransport, HTTPXTransport
from gql.transport.websockets import WebsocketsTransport
from websockets.exceptions import ConnectionClosed

from api.auth import TokenKeys
from domain.case.meta import Role
from tests.e2e.conftest import LiveServer, ServerSpec, live_server_for
from tests.support import authz
from tests.support import builders as b
from tests.support.journey import PATH, PROTOCOL_DATE, SCORES, SLOT_DAY

T = TypeVar("T")
JSONObject = dict[str, Any]
Servers = Callable[[ServerSpec], LiveServer]

OFFICER = (Role.OFFICER, "officer-e2e-1")
ADMIN = (Role.ADMIN, "admin-e2e-1")
COMMISSION = (Role.COMMISSION, "rk-e2e-1")
EXPERTS = tuple((Role.EXPERT, f"nec-e2e-{n}") for n in (1, 2, 3))
AUDITOR = (Role.AUDITOR, "auditor-e2e-1")
ON = {stage.name: on for stage, on in PATH}  # business dates of the ordinary path
READ_MODEL_DEADLINE = 20.0  # seconds for the projections to catch up
EVENT_DEADLINE = 10.0  # seconds for a subscription to deliver

_keys = itertools.count(1)


def new_key(step: str) -> str:
    return f"e2e-{step}-{time.monotonic_ns()}-{next(_keys)}"


# -- documents ------------------------------------------------------------------------------

OUTCOME = """
fragment Outcome on CommandResult {
  __typename
  ... on CaseUpdated {
    version
    replayed
    idempotencyKey
    application { id applicantCode stage status version }
  }
  ... on InvalidInput { message fieldErrors { field rule message } }
  ... on ProcessRefused { message command stage rule }
  ... on NotFound { message applicationId }
  ... on NotAllowed { message command role }
  ... on Conflict { message kind }
}
"""

SHEET = """
mutation Sheet($input: EvaluateInterviewInput!) {
  result: evaluateInterview(input: $input) {
    __typename
    ... on SheetRecorded { applicationId applicantCode version replayed idempotencyKey }
    ... on InvalidInput { message fieldErrors { field rule message } }
    ... on ProcessRefused { message command stage rule }
    ... on NotFound { message }
    ... on NotAllowed { message command role }
    ... on Conflict { message kind }
  }
}
"""

HISTORY = """
query History($id: ID!) {
  caseHistory(applicationId: $id) {
    applicationId
    asOfVersion
    events {
      applicationId version type actorId actorRole occurredOn reason correlationId
    }
    state { stage version }
  }
}
"""

APPLICATION = """
query Case($id: ID!) {
  application(id: $id) {
    id stage status version lastEventOn awardedOn contractsSignedOn
    applicant { iin }
  }
}
"""

CASE_EVENTS = """
subscription Events($id: ID!) {
  caseEvents(applicationId: $id) { applicationId version type actorId actorRole occurredOn }
}
"""

DASHBOARD = """
subscription Board($year: Int!) {
  dashboardUpdates(year: $year) { campaignYear funnel { key count } }
}
"""

PROJECTIONS = "query Lag { projectionStatus { name lag deadLetters } }"


def mutation_document(field: str) -> str:
    """``mutation Run($input: XInput!) { result: x(input: $input) { ...Outcome } }``."""
    input_type = f"{field[0].upper()}{field[1:]}Input"
    return (
        f"mutation Run($input: {input_type}!) {{ result: {field}(input: $input) {{ ...Outcome }} }}"
        f"\n{OUTCOME}"
    )


def submission_input(on: date, key: str) -> JSONObject:
    """A package that meets every 2023 requirement (``tests.support.builders``), in the
    API's own names: camelCase fields, enum values by name."""
    fields: JSONObject = authz.submission_input(b.submission())
    return fields | {"idempotencyKey": key, "occurredOn": on.isoformat()}


# -- clients --------------------------------------------------------------------------------


class Caller:
    """One user with one role, over HTTP (gql's httpx transport)."""

    def __init__(self, server: LiveServer, who: tuple[Role, str]) -> None:
        self.role, self.user = who
        transport = HTTPXTransport(
            url=server.graphql_url, headers=server.bearer(self.role, self.user), timeout=30.0
        )
        self.client = Client(transport=transport, execute_timeout=30)

    def execute(self, document: str, variables: JSONObject | None = None) -> JSONObject:
        return self.client.execute(GraphQLRequest(document, variable_values=variables))

    def run(self, field: str, fields: JSONObject) -> JSONObject:
        """Sends one command; returns its CommandResult."""
        result: JSONObject = self.execute(mutation_document(field), {"input": fields})["result"]
        return result


@dataclass(frozen=True)
class Step:
    mutation: str
    stage: str  # the stage the case must reach
    fields: JSONObject  # the command's own fields (besides applicationId and the context)
    events: tuple[str, ...]  # the event types the step stores
    who: tuple[Role, str] = OFFICER

    @property
    def on(self) -> date:
        """The business date of the step (the ordinary path of ``tests.support.journey``)."""
        return ON[self.stage]

    def input(self, case_id: str, key: str | None = None) -> JSONObject:
        return {
            "applicationId": case_id,
            "idempotencyKey": key or new_key(self.mutation),
            "occurredOn": self.on.isoformat(),
            **self.fields,
        }


SLOT_AT = f"{SLOT_DAY.isoformat()}T10:00:00"
BEFORE_INTERVIEW = (
    Step("assessEligibility", "ELIGIBLE", {}, ("EligibilityAssessed",)),
    Step(
        "recordTesting",
        "TESTED",
        {"verbalScore": 70, "numericalScore": 81},
        ("TestingCompleted",),
    ),
    Step("bookInterview", "INTERVIEW_BOOKED", {"slotAt": SLOT_AT}, ("InterviewSlotBooked",), ADMIN),
)
AWARD_REASON = "Republican Commission protocol RK-2023/7"
AFTER_INTERVIEW = (
    Step("completeInterview", "INTERVIEWED", {"finalScore": "4.67"}, ("InterviewCompleted",)),
    Step(
        "award",
        "AWARDED",
        {
            "protocolNumber": "RK-2023/7",
            "protocolDate": PROTOCOL_DATE.isoformat(),
            "reason": AWARD_REASON,
            "correlationId": "rk-2023-7",
        },
        ("Awarded",),
        COMMISSION,
    ),
    Step(
        "signContracts",
        "CONTRACTED",
        {"trainingContractNumber": "TC-E2E-1", "securityContractNumber": "SC-E2E-1"},
        ("ContractsSigned",),
    ),
    Step("recordDeparture", "STUDYING", {}, ("Departed",)),
    Step("recordStudiesCompleted", "STUDIES_COMPLETED", {}, ("StudiesCompleted",), ADMIN),
    Step("recordReturn", "RETURNED", {}, ("Returned",)),
    Step(
        "startWorkOff",
        "WORKING_OFF",
        {"employer": "Synthetic Water LLP", "location": "Astana"},
        ("WorkOffStarted",),
    ),
    Step("completeWorkOff", "WORK_OFF_COMPLETED", {}, ("WorkOffCompleted",)),
)


@dataclass(frozen=True)
class Recorded:
    """What one mutation stored: versions (first, last], by whom, on which date."""

    after: int
    version: int
    who: tuple[Role, str]
    on: date
    events: tuple[str, ...]
    reason: str = ""
    correlation_id: str = ""


def updated(result: JSONObject, stage: str, step: str) -> JSONObject:
    """The CaseUpdated of a step that must have been carried out (and not replayed)."""
    assert result["__typename"] == "CaseUpdated", f"{step}: {result}"
    assert result["replayed"] is False, f"{step}: {result}"
    assert result["application"]["stage"] == stage, f"{step}: {result}"
    assert result["application"]["version"] == result["version"], f"{step}: {result}"
    return result


def wait_for(probe: Callable[[], T | None], deadline: float, what: str, server: LiveServer) -> T:
    """Polls ``probe`` until it returns something, or fails after ``deadline`` seconds."""
    end = time.monotonic() + deadline
    while True:
        found = probe()
        if found is not None:
            return found
        if time.monotonic() > end:
            pytest.fail(f"{what} not within {deadline:g}s\n{server.output()}")
        time.sleep(0.2)


# -- the module's servers -------------------------------------------------------------------


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """One server per spec for the module's tests, started when first asked for and
    stopped after the last: each test follows cases of its own (its own case ids and
    idempotency keys), so none needs an empty store, and five servers started one per
    test cost about 4 s more than two."""
    with contextlib.ExitStack() as stack:
        started: dict[ServerSpec, LiveServer] = {}

        def server_for(spec: ServerSpec) -> LiveServer:
            if spec not in started:
                folder = tmp_path_factory.mktemp(spec.id)
                started[spec] = stack.enter_context(live_server_for(spec, folder))
            return started[spec]

        yield server_for


@pytest.fixture
def live_server(request: pytest.FixtureRequest, servers: Servers) -> LiveServer:
    """The module's server for the spec the test is parametrized with."""
    return servers(getattr(request, "param", ServerSpec()))


@pytest.fixture(scope="module")
def shared_server(servers: Servers) -> LiveServer:
    """The module's SQLite server in development mode."""
    return servers(ServerSpec())


# -- the whole case -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "live_server",
    [ServerSpec("sqlite"), ServerSpec("postgres"), ServerSpec("postgres", processes=2)],
    ids=["sqlite", "postgres", "postgres-2-processes"],
    indirect=True,
)
def test_a_whole_case_from_submission_to_the_end_of_the_work_off(
    live_server: LiveServer,
) -> None:
    server = live_server
    callers = {who: Caller(server, who) for who in (OFFICER, ADMIN, COMMISSION, *EXPERTS)}
    officer = callers[OFFICER]
    recorded: list[Recorded] = []

    # submission
    submitted_on = ON["SUBMITTED"]
    submit_key = new_key("submit")
    submission = submission_input(submitted_on, submit_key)
    first = updated(officer.run("submitApplication", submission), "SUBMITTED", "submit")
    case_id: str = first["application"]["id"]
    code: str = first["application"]["applicantCode"]
    assert first["idempotencyKey"] == submit_key
    assert first["application"]["status"] == "IN_SELECTION"
    recorded.append(Recorded(0, first["version"], OFFICER, submitted_on, ("Submitted",)))

    def send(step: Step) -> JSONObject:
        fields = step.input(case_id)
        result = updated(callers[step.who].run(step.mutation, fields), step.stage, step.mutation)
        assert result["application"]["id"] == case_id
        assert result["idempotencyKey"] == fields["idempotencyKey"]
        recorded.append(
            Recorded(
                recorded[-1].version,
                result["version"],
                step.who,
                step.on,
                step.events,
                step.fields.get("reason", ""),
                step.fields.get("correlationId", ""),
            )
        )
        return result

    for step in BEFORE_INTERVIEW:
        send(step)

    # the interview: three NEC members, each with a token of their own, in their own schema
    def sheet_input(key: str) -> JSONObject:
        return {
            "input": {
                "applicationId": case_id,
                "scores": SCORES,
                "recommend": True,
                "comment": "clear motivation",
                "idempotencyKey": key,
                "occurredOn": SLOT_DAY.isoformat(),
            }
        }

    sheets: list[tuple[str, int]] = []  # idempotency key and version of each sheet
    for expert in EXPERTS:
        sheet_key = new_key("sheet")
        sheet = callers[expert].execute(SHEET, sheet_input(sheet_key))["result"]
        assert sheet["__typename"] == "SheetRecorded", sheet
        assert sheet["applicationId"] == case_id
        assert sheet["applicantCode"] == code  # the code, never the name
        assert sheet["replayed"] is False
        assert sheet["idempotencyKey"] == sheet_key
        assert sheet["version"] == recorded[-1].version + 1
        sheets.append((sheet_key, sheet["version"]))
        recorded.append(
            Recorded(
                recorded[-1].version, sheet["version"], expert, SLOT_DAY, ("InterviewEvaluated",)
            )
        )

    results = {step.mutation: send(step) for step in AFTER_INTERVIEW}
    assert results["award"]["application"]["status"] == "SCHOLAR"
    last = results["completeWorkOff"]
    final_version: int = last["version"]
    final_status: str = last["application"]["status"]

    # the history, replayed from the event store: every event, its actor and role
    history = officer.execute(HISTORY, {"id": case_id})["caseHistory"]
    assert history["applicationId"] == case_id
    assert history["asOfVersion"] == final_version
    assert history["state"] == {"stage": "WORK_OFF_COMPLETED", "version": final_version}
    events = history["events"]
    assert [e["version"] for e in events] == list(range(1, final_version + 1))
    expected_types = [t for r in recorded for t in r.events]
    assert [e["type"] for e in events] == expected_types
    by_version = {e["version"]: e for e in events}
    for done in recorded:
        assert done.version - done.after == len(done.events), done
        for version in range(done.after + 1, done.version + 1):
            event = by_version[version]
            role, user = done.who
            assert event["applicationId"] == case_id
            assert (event["actorId"], event["actorRole"]) == (user, role.name), event
            assert event["occurredOn"] == done.on.isoformat(), event
            assert event["reason"] == done.reason, event
            if done.correlation_id:
                assert event["correlationId"] == done.correlation_id, event
    actors = {(e["actorRole"], e["actorId"]) for e in events}
    assert {(role.name, user) for role, user in callers} == actors  # every caller is there

    # the read model catches up (on PostgreSQL through the projections worker process)
    def caught_up() -> JSONObject | None:
        row: JSONObject | None = officer.execute(APPLICATION, {"id": case_id})["application"]
        if row is not None and row["version"] == final_version:
            return row
        return None

    row = wait_for(caught_up, READ_MODEL_DEADLINE, "the case list at the last version", server)
    assert row["stage"] == "WORK_OFF_COMPLETED"
    assert row["status"] == final_status
    assert row["lastEventOn"] == ON["WORK_OFF_COMPLETED"].isoformat()
    assert row["awardedOn"] == PROTOCOL_DATE.isoformat()  # the commission's protocol
    assert row["contractsSignedOn"] == ON["CONTRACTED"].isoformat()
    assert row["applicant"] == {"iin": submission["applicant"]["iin"]}

    # the same idempotency key again: the first result, nothing new stored
    again = officer.run("submitApplication", submission)
    assert again["__typename"] == "CaseUpdated", again
    assert again["replayed"] is True
    assert again["application"]["id"] == case_id
    assert again["version"] == first["version"]
    first_sheet_key, first_sheet_version = sheets[0]
    sheet_again = callers[EXPERTS[0]].execute(SHEET, sheet_input(first_sheet_key))["result"]
    assert sheet_again["__typename"] == "SheetRecorded", sheet_again
    assert sheet_again["replayed"] is True
    assert sheet_again["version"] == first_sheet_version
    finish = AFTER_INTERVIEW[-1]
    finish_again = officer.run(finish.mutation, finish.input(case_id, last["idempotencyKey"]))
    assert finish_again["__typename"] == "CaseUpdated", finish_again
    assert finish_again["replayed"] is True
    assert finish_again["version"] == final_version
    assert finish_again["application"]["stage"] == "WORK_OFF_COMPLETED"
    after = officer.execute(HISTORY, {"id": case_id})["caseHistory"]
    assert len(after["events"]) == final_version


# -- subscriptions --------------------------------------------------------------------------


def ws_transport(server: LiveServer, init_payload: JSONObject) -> WebsocketsTransport:
    return WebsocketsTransport(
        url=server.ws_url,
        init_payload=init_payload,
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
        connect_timeout=10,
        ack_timeout=10,
        close_timeout=5,
    )


def run_async(work: Coroutine[Any, Any, T], timeout: float = 45.0) -> T:
    async def bounded() -> T:
        return await asyncio.wait_for(work, timeout)

    return asyncio.run(bounded())


async def http_run(
    server: LiveServer, who: tuple[Role, str], field: str, fields: JSONObject
) -> JSONObject:
    transport = HTTPXAsyncTransport(
        url=server.graphql_url, headers=server.bearer(*who), timeout=30.0
    )
    async with Client(transport=transport, execute_timeout=30) as session:
        data = await session.execute(
            GraphQLRequest(mutation_document(field), variable_values={"input": fields})
        )
    result: JSONObject = data["result"]
    return result


async def collect(
    session: AsyncClientSession,
    document: str,
    variables: JSONObject,
    into: asyncio.Queue[JSONObject],
) -> None:
    """Puts every value the subscription yields (its one root field) into ``into``."""
    async for data in session.subscribe(GraphQLRequest(document, variable_values=variables)):
        (value,) = data.values()
        await into.put(value)


async def next_item(queue: asyncio.Queue[JSONObject], what: str) -> JSONObject:
    try:
        return await asyncio.wait_for(queue.get(), EVENT_DEADLINE)
    except TimeoutError:
        pytest.fail(f"{what}: nothing within {EVENT_DEADLINE:g}s")


def wait_for_projections(server: LiveServer) -> None:
    officer = Caller(server, OFFICER)

    def settled() -> bool | None:
        states = officer.execute(PROJECTIONS)["projectionStatus"]
        return True if all(s["lag"] == 0 for s in states) else None

    wait_for(settled, READ_MODEL_DEADLINE, "the read models at the head of the log", server)


@pytest.mark.parametrize(
    "live_server",
    [ServerSpec("sqlite"), ServerSpec("postgres")],
    ids=["sqlite", "postgres"],
    indirect=True,
)
def test_case_events_and_dashboard_updates_over_graphql_transport_ws(
    live_server: LiveServer,
) -> None:
    server = live_server
    officer = Caller(server, OFFICER)
    submitted = officer.run("submitApplication", submission_input(ON["SUBMITTED"], new_key("s")))
    case_id: str = updated(submitted, "SUBMITTED", "submit")["application"]["id"]
    wait_for_projections(server)  # the dashboard must not move by itself meanwhile
    steps = BEFORE_INTERVIEW

    async def scenario() -> tuple[list[JSONObject], list[JSONObject]]:
        client = Client(transport=ws_transport(server, server.bearer(*OFFICER)), execute_timeout=30)
        events: asyncio.Queue[JSONObject] = asyncio.Queue()
        boards: asyncio.Queue[JSONObject] = asyncio.Queue()
        async with client as session:
            tasks = [
                asyncio.create_task(collect(session, CASE_EVENTS, {"id": case_id}, events)),
                asyncio.create_task(collect(session, DASHBOARD, {"year": 2023}, boards)),
            ]
            try:
                first_board = await next_item(boards, "the first dashboard")
                # graphql-transport-ws acknowledges no subscription: give the server a moment
                # to start following the case before the first mutation is sent
                await asyncio.sleep(1.0)
                for step in steps:
                    result = await http_run(server, step.who, step.mutation, step.input(case_id))
                    updated(result, step.stage, step.mutation)
                received = [await next_item(events, f"event {n + 1}") for n in range(len(steps))]
                # a new submission moves the dashboard: a new one is pushed
                another = submission_input(ON["SUBMITTED"], new_key("s2"))
                updated(
                    await http_run(server, OFFICER, "submitApplication", another),
                    "SUBMITTED",
                    "submit",
                )
                later = [first_board]
                while submitted_count(later[-1]) < submitted_count(first_board) + 1:
                    later.append(await next_item(boards, "a dashboard with the new submission"))
                assert events.empty(), events.get_nowait()  # nothing of the other case
                return received, later
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)

    received, boards = run_async(scenario())

    expected = [t for step in steps for t in step.events]
    assert [e["type"] for e in received] == expected  # in order, with their types
    assert [e["version"] for e in received] == list(range(2, 2 + len(expected)))
    assert all(e["applicationId"] == case_id for e in received)
    assert [(e["actorRole"], e["actorId"]) for e in received] == [
        (step.who[0].name, step.who[1]) for step in steps
    ]
    assert [e["occurredOn"] for e in received] == [step.on.isoformat() for step in steps]

    assert len(boards) >= 2  # the first dashboard, and at least one after the submission
    assert all(board["campaignYear"] == 2023 for board in boards)
    assert submitted_count(boards[-1]) == submitted_count(boards[0]) + 1


def submitted_count(board: JSONObject) -> int:
    counts = {c["key"]: c["count"] for c in board["funnel"]}
    count: int = counts["submitted"]
    return count


# -- who may subscribe ----------------------------------------------------------------------


async def try_to_subscribe(server: LiveServer, init_payload: JSONObject) -> JSONObject:
    """Connects and subscribes to the dashboard; returns its first value, if allowed."""
    async with Client(transport=ws_transport(server, init_payload), execute_timeout=15) as session:
        async for data in session.subscribe(
            GraphQLRequest(DASHBOARD, variable_values={"year": 2023})
        ):
            first: JSONObject = data
            return first
    raise AssertionError("the subscription ended without a value")


def refused_payload(kind: str, server: LiveServer) -> JSONObject:
    """A connection_init payload that must not open a connection."""
    role, user = OFFICER
    if kind == "no-token":
        return {}
    if kind == "not-a-jwt":
        return {"Authorization": "Bearer not-a-jwt"}
    if kind == "no-bearer-scheme":
        return {"Authorization": server.token(role, user)}
    if kind == "signed-with-another-key":
        other = TokenKeys("another-secret-" + "z" * 40).mint(user, role)
        return {"Authorization": f"Bearer {other}"}
    if kind == "expired":
        return {"Authorization": f"Bearer {server.keys.mint(user, role, ttl_seconds=-60)}"}
    if kind == "expert":
        return server.bearer(*EXPERTS[0])
    raise ValueError(kind)


@pytest.mark.parametrize(
    "kind",
    ["no-token", "not-a-jwt", "no-bearer-scheme", "signed-with-another-key", "expired", "expert"],
)
def test_a_connection_without_a_valid_token_or_as_an_expert_is_rejected(
    shared_server: LiveServer, kind: str
) -> None:
    with pytest.raises(TransportError) as refused:
        run_async(try_to_subscribe(shared_server, refused_payload(kind, shared_server)), 30)
    assert close_frame(refused.value) == (4403, "Forbidden"), refused.value


def close_frame(error: BaseException) -> tuple[int, str] | None:
    """The close frame the server sent, from the chain of causes of gql's error."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ConnectionClosed) and seen.rcvd is not None:
            return seen.rcvd.code, seen.rcvd.reason
        seen = seen.__cause__ or seen.__context__
    return None


def test_a_valid_token_may_subscribe_and_http_needs_a_token_too(shared_server: LiveServer) -> None:
    for who in (OFFICER, AUDITOR, COMMISSION):
        board = run_async(try_to_subscribe(shared_server, shared_server.bearer(*who)), timeout=30)
        assert board["dashboardUpdates"]["campaignYear"] == 2023
    response = httpx.post(shared_server.graphql_url, json={"query": "{ __typename }"}, timeout=10)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].lower().startswith("bearer")
